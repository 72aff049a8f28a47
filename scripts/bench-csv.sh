#!/usr/bin/env bash
# Our submission CSV reader against Sep and CsvHelper on one full-size file (one mouse's live test: 1,000 trials ×
# 8,000 neurons, ~170 MB). Prints MB/s, allocations and the load. Usage: scripts/bench-csv.sh [trials] [neurons] [repeats]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build scripts/bench-csv/BenchCsv.csproj -c Release -nologo -v q
exec dotnet scripts/bench-csv/bin/Release/net10.0/BenchCsv.dll "$@"
