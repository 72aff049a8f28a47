#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine (Chromium, PostgreSQL, Slurm), then runs every test:
# first every test project except the browser tests (side by side, as `dotnet test` does for a solution), then the
# browser tests alone. Each browser test starts the app with training workers and a Chromium; beside the other
# assemblies' trainings on a 2-core machine they starved (a tiny run waited 180 s to start), so they come last.
# Usage: scripts/test.sh [extra dotnet test arguments, passed to both runs]
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use: Chromium (browser tests), PostgreSQL (the storage tests run on SQLite and on a
# throw-away PostgreSQL cluster they start themselves, see tests/Sensorium.Storage.Tests/PostgresServer.cs), Slurm
# and munge (the Slurm launcher's tests start a one-node cluster with scripts/slurm-local.sh), Redis (the tests of two
# web nodes start a throw-away redis-server, see tests/Sensorium.Web.Tests/RedisServer.cs).
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/sbin/slurmctld ] && [ -x /usr/sbin/slurmd ] || missing+=(slurm-wlm)
[ -x /usr/sbin/munged ] || missing+=(munge)
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian's ${missing[*]} for the tests..." >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >&2
fi

# OpenMP busy-waiting makes concurrent TorchSharp work crawl on shared cores (see README, "Performance").
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
dotnet build Sensorium.Web.sln -c Release -nologo -v q

# BrowserTests=after: the browser test project is not a test project for this run (its .csproj reads the property).
rc=0
dotnet test Sensorium.Web.sln -c Release --no-build -nologo -p:BrowserTests=after "$@" || rc=$?
# The browser tests run even when others failed: one report with every assembly's results.
dotnet test tests/Sensorium.Browser.Tests/Sensorium.Browser.Tests.csproj -c Release --no-build -nologo "$@" || rc=$?
exit "$rc"
