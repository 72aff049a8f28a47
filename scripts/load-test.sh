#!/usr/bin/env bash
# Load test of the real app (a child process on Kestrel, loopback): N teams × M viewers × K queued runs for a bounded
# time. Prints requests/s, p50/p95 latency, the server's memory, the start order per slot, and checks that no run is
# lost or started twice and that no more runs ran at once than there are slots. Then probes the request limits on
# the real server (300 MB JSON, 500 MB anonymous form, a cross-origin cookie call) and prints what they cost it.
# Workers are a stand-in script (prints one epoch in the real protocol, then exits), so the queue turns over fast.
# Usage: scripts/load-test.sh [teams=4] [viewers=5] [runs=5] [seconds=60] [slots=1]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Sensorium.Web/Sensorium.Web.csproj -c Release -nologo -v q
dotnet build scripts/load-test/LoadTest.csproj -c Release -nologo -v q
exec dotnet scripts/load-test/bin/Release/net10.0/LoadTest.dll "$@"
