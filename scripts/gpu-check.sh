#!/usr/bin/env bash
# CUDA check for a GPU machine that has a pip PyTorch with CUDA but no NuGet access.
#
# How to run:
#   1. Here (with NuGet): dotnet build src/Sensorium.Cli -c Release   (the CPU build is enough: only its managed
#      assemblies and the patched libLibTorchSharp.so are used; libtorch comes from the GPU machine's torch).
#   2. Carry the repository (or at least scripts/ and src/Sensorium.Cli/bin/Release/net10.0/) to the GPU machine,
#      which needs the .NET 10 runtime (`dotnet`) unless the CLI was published self-contained
#      (dotnet publish src/Sensorium.Cli -c Release -r linux-x64 --self-contained; then pass that folder).
#   3. There: OMP_WAIT_POLICY=PASSIVE scripts/gpu-check.sh [CLI_DIR]   (default src/Sensorium.Cli/bin/Release/net10.0)
#      Optional: PYTHON=/path/to/python3 (default python3), STEPS=20.
#
# What it does, each step reported PASS/FAIL: finds torch's lib folder (python3 -c 'import torch'), checks that torch
# sees a GPU; makes a copy of the CLI without the CPU libtorch (so that only the GPU machine's libtorch can be loaded);
# runs `sensorium bench train` with SENSORIUM_LIBTORCH_DIR=<torch/lib> (Sensorium.Models' TorchNative preloads
# libtorch_cuda.so etc., then our libLibTorchSharp.so) on a tiny model (load + forward/backward per part on CUDA), then
# the reference configuration for $STEPS steps, then the CLI workflow on CUDA on a tiny synthetic dataset (synth →
# train --track sensorium+ → evaluate → submission make), then the PyTorch reference on the GPU for comparison.
# Seen working (2026-11-26) on an H200 with PyTorch 2.11.0+cu130 and a self-contained publish carried as a tar.xz.
# TorchSharp 0.107 is built against libtorch 2.10; another torch version may fail to link (undefined symbols): that
# is reported as the answer to "does it load", not hidden.
set -uo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
STEPS="${STEPS:-20}"
CLI_DIR="${1:-src/Sensorium.Cli/bin/Release/net10.0}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
failures=0
pass() { echo "[PASS] $*"; }
fail() { echo "[FAIL] $*"; failures=$((failures + 1)); }
stop() { echo "[FAIL] $*"; echo "gpu-check: stopped (the remaining steps need this one)."; exit 1; }

# 1. The carried CLI and a runtime for it.
[ -f "$CLI_DIR/sensorium.dll" ] || stop "no built CLI in $CLI_DIR (run 'dotnet build src/Sensorium.Cli -c Release' where NuGet works, carry the output, or pass its folder)"
[ -f "$CLI_DIR/runtimes/linux-x64/native/libLibTorchSharp.so" ] || [ -f "$CLI_DIR/libLibTorchSharp.so" ] || stop "libLibTorchSharp.so is missing from $CLI_DIR"
if [ -f "$CLI_DIR/libcoreclr.so" ]; then self_contained=1; pass "self-contained CLI in $CLI_DIR"
elif command -v dotnet >/dev/null && dotnet --list-runtimes 2>/dev/null | grep -q '^Microsoft.NETCore.App 10\.'; then
  self_contained=0; pass "CLI in $CLI_DIR, .NET $(dotnet --list-runtimes | grep -m1 '^Microsoft.NETCore.App 10\.' | cut -d' ' -f2)"
else stop "no .NET 10 runtime here (dotnet --list-runtimes); install it, or carry a self-contained publish (see the header)"; fi

# 2. PyTorch with CUDA and its lib folder.
info=$("$PYTHON" -c 'import os, torch; print(torch.__version__, torch.version.cuda, torch.cuda.is_available(), os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>&1) \
  || stop "$PYTHON cannot import torch: $info"
read -r torch_version torch_cuda cuda_ok torch_lib <<<"$info"
echo "gpu-check: torch $torch_version (CUDA $torch_cuda), cuda available: $cuda_ok, lib: $torch_lib"
[ "$cuda_ok" = True ] || stop "this torch sees no GPU (torch.cuda.is_available() is False; nvidia-smi: $(nvidia-smi -L 2>&1 | head -1))"
[ -f "$torch_lib/libtorch_cuda.so" ] || stop "$torch_lib has no libtorch_cuda.so"
pass "PyTorch $torch_version sees $("$PYTHON" -c 'import torch; print(torch.cuda.get_device_name(0))' 2>/dev/null)"
case "$torch_version" in 2.10.*) ;; *) echo "gpu-check: note: TorchSharp 0.107 expects libtorch 2.10.x; $torch_version may not link." ;; esac

# 3. A copy of the CLI without the CPU libtorch (hard links when possible), so nothing but torch_lib can be loaded.
work=$(mktemp -d "${TMPDIR:-/tmp}/gpu-check.XXXXXX")
cli_copy="$work/cli"
if ! cp -al "$CLI_DIR" "$cli_copy" 2>/dev/null; then
  rm -rf "$cli_copy"; mkdir -p "$cli_copy"
  tar -C "$CLI_DIR" --exclude='./runtimes/linux-x64/native/libtorch*' --exclude='./runtimes/linux-x64/native/libc10*' -cf - . | tar -C "$cli_copy" -xf - \
    || stop "cannot copy $CLI_DIR to $cli_copy"
fi
find "$cli_copy" \( -name 'libtorch*.so*' -o -name 'libc10*.so*' -o -name 'libgomp*.so*' \) ! -name 'libLibTorchSharp.so' -exec rm -f {} +
CLI_DIR="$cli_copy"
if [ "$self_contained" = 1 ]; then cli=("$CLI_DIR/sensorium"); else cli=(dotnet "$CLI_DIR/sensorium.dll"); fi
export SENSORIUM_LIBTORCH_DIR="$torch_lib"
pass "CLI copy without CPU libtorch in $cli_copy; SENSORIUM_LIBTORCH_DIR=$torch_lib"

# 4. Load + a small model's forward/backward per part on CUDA, then 5. the reference configuration.
step() { # name, log file, command...
  local name=$1 log=$2; shift 2
  if timeout 600 "$@" >"$log.json" 2>"$log.err"; then
    pass "$name"; grep -E '^(torchsharp|pytorch)' "$log.err" | tail -1
    grep -A12 '"partsMs"' "$log.json" | grep -v '\.cpu' | tr -d '\n' | sed 's/  */ /g'; echo
  else
    fail "$name (exit $?); last lines:"; tail -n 15 "$log.err" | sed 's/^/    /'
  fi
}
step "TorchSharp loads libtorch from $torch_lib and trains a small model on CUDA (forward+backward per part)" "$work/small" \
  "${cli[@]}" bench train --device cuda --neurons 500 --batch 16 --steps 2 --warmup 1 --eval-steps 1 --profile 1
step "sensorium bench train --device cuda --steps $STEPS (reference configuration)" "$work/full" \
  "${cli[@]}" bench train --device cuda --steps "$STEPS" --warmup 3
# 6. The CLI workflow on CUDA: a tiny synthetic dataset, train (behaviour + shifter) → evaluate → submission make.
tiny="$work/tiny"
step "sensorium synth --preset tiny (two competition mice)" "$work/synth" \
  "${cli[@]}" synth --preset tiny --mice 26872-17-20,27204-5-13 --out "$tiny"
step "sensorium train --track sensorium+ --device cuda --epochs 3 (tiny)" "$work/train" \
  "${cli[@]}" train --data "$tiny" --track sensorium+ --device cuda --epochs 3 --out "$work/run"
grep -E '^train: (device|finished)' "$work/train.err" | head -3
step "sensorium evaluate --device cuda --tier test (tiny, against the host copy)" "$work/evaluate" \
  "${cli[@]}" evaluate --run "$work/run" --truth "$tiny/host" --tier test --device cuda
grep -E '"single_trial_correlation"' "$work/evaluate.json" | head -1
step "sensorium submission make --track sensorium+ --device cuda (tiny)" "$work/submission" \
  "${cli[@]}" submission make --run "$work/run" --track sensorium+ --out "$work/submission" --device cuda
ls "$work/submission" 2>/dev/null | sed 's/^/    /'
if [ -f scripts/reference/bench_reference_train.py ]; then
  step "PyTorch reference on the GPU, same configuration (for comparison)" "$work/reference" \
    "$PYTHON" scripts/reference/bench_reference_train.py --device cuda --steps "$STEPS" --warmup 3
fi
grep -h '"nativeSetup"' -A8 "$work/small.json" 2>/dev/null | sed -n '1,8p'
echo "gpu-check: logs in $work; $failures step(s) failed."
[ "$failures" -eq 0 ]
