#!/usr/bin/env bash
# Live-update benchmark: delay from a worker's epoch event to 20 SignalR clients and to a browser's epoch row, and the
# server's working set while they watch. Starts the real app on a loopback port with the tiny synthetic dataset.
# Usage: scripts/bench-live.sh [clients=20] [epochs=6]      (needs /usr/bin/chromium: apt-get install chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
dotnet build scripts/bench-live/BenchLive.csproj -c Release -nologo -v q
exec dotnet scripts/bench-live/bin/Release/net10.0/BenchLive.dll "$@"
