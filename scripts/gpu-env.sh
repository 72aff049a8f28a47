# Sourced by scripts/gpu-bench.sh and scripts/gpu-quality.sh (not run alone): the CLI, unpacked from the carried
# .gpu-carry/cli.tar.xz unless CLI_DIR is given, and the libtorch it loads. Expects: say, $work, $OUT, $DEVICE, $PYTHON.
# Sets: cli (array), cli_dir, have_torch (0 = PyTorch importable), torch_lib, SENSORIUM_LIBTORCH_DIR.
if [ -n "${CLI_DIR:-}" ]; then cli_dir="$CLI_DIR"
else
  [ -f .gpu-carry/cli.tar.xz ] || { say "[FAIL] .gpu-carry/cli.tar.xz missing: build it (see the header) and carry it"; exit 1; }
  cli_dir="$work/cli"; mkdir -p "$cli_dir"
  tar -C "$cli_dir" -xJf .gpu-carry/cli.tar.xz || { say "[FAIL] cannot unpack .gpu-carry/cli.tar.xz"; exit 1; }
fi
[ -x "$cli_dir/sensorium" ] || { say "[FAIL] no self-contained sensorium in $cli_dir"; exit 1; }
cli=("$cli_dir/sensorium")
torch_info=$("$PYTHON" -c 'import os, torch; print(torch.__version__, torch.version.cuda, torch.cuda.is_available(), os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>&1)
have_torch=$?
if [ "$have_torch" = 0 ]; then
  read -r torch_version torch_cuda cuda_ok torch_lib <<<"$torch_info"
  say "torch $torch_version (CUDA $torch_cuda), cuda available: $cuda_ok, lib $torch_lib"
else
  torch_lib=""; say "no PyTorch here ($(echo "$torch_info" | tail -1)): the PyTorch columns stay empty"
fi
if [ "$DEVICE" = cuda ]; then
  [ -n "$torch_lib" ] && [ -f "$torch_lib/libtorch_cuda.so" ] || { say "[FAIL] no torch/lib with libtorch_cuda.so"; exit 1; }
  export SENSORIUM_LIBTORCH_DIR="$torch_lib"
elif [ -z "${CLI_DIR:-}" ]; then
  # The archive has no libtorch: on the CPU use TorchSharp's CPU libtorch (NuGet cache here), or the pip torch's.
  cpu_lib=$(ls -d "$HOME"/.nuget/packages/libtorch-cpu-linux-x64/*/runtimes/linux-x64/native 2>/dev/null | tail -1)
  export SENSORIUM_LIBTORCH_DIR="${cpu_lib:-$torch_lib}"
fi
say "CLI $cli_dir; SENSORIUM_LIBTORCH_DIR=${SENSORIUM_LIBTORCH_DIR:-}; $(nproc) cores"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=index,name,memory.total,memory.used,utilization.gpu,driver_version --format=csv >"$OUT/nvidia-smi.csv" 2>&1
