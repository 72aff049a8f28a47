#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine (Chromium for the browser tests), then runs every test.
# Usage: scripts/test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium for the browser tests..." >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >&2
fi

# OpenMP busy-waiting makes concurrent TorchSharp work crawl on shared cores (see README, "Performance").
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
dotnet build Sensorium.Web.sln -c Release -nologo -v q
dotnet test Sensorium.Web.sln -c Release --no-build -nologo "$@"
