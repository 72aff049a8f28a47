#!/usr/bin/env bash
# Training-step benchmark: `sensorium bench train` (TorchSharp) against the plain-PyTorch reference
# (scripts/reference/bench_reference_train.py, Debian's python3-torch), same config, same thread count, run
# interleaved (ours, reference, ours, reference, ...) so that both see the same machine; prints medians.
#
# Usage: scripts/bench.sh [--rounds 2] [--no-build] [-- extra options for both, e.g. --steps 10 --threads 2]
# (The perf branch's speed-ups — channels-last core on the CPU, neurons along the readout grid's width, CUDA-drawn
# readout noise — are the only code path now; their measured gains are in src/Sensorium.Models/README.md.)
# Needs: dotnet (builds the CLI in Release unless --no-build), /usr/bin/python3 with torch (apt-get install -y python3-torch
# python3-numpy). Timings taken while other work loads the machine are meaningless: the load average is printed.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=2 build=1 extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --) shift; extra=("$@"); break ;;
    *) echo "bench.sh: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done

export OMP_WAIT_POLICY=PASSIVE   # OpenMP busy-waiting wrecks timings on shared cores
cli=src/Sensorium.Cli/bin/Release/net10.0/sensorium
py=/usr/bin/python3
if [ "$build" = 1 ]; then dotnet build src/Sensorium.Cli -c Release -nologo -v q >&2; fi
[ -x "$cli" ] || { echo "bench.sh: $cli not built (dotnet build src/Sensorium.Cli -c Release)" >&2; exit 1; }
"$py" -c 'import torch' 2>/dev/null || { echo "bench.sh: $py has no torch: apt-get install -y python3-torch python3-numpy" >&2; exit 1; }

out=$(mktemp -d)
echo "bench.sh: results in $out; load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for r in $(seq 1 "$rounds"); do
  echo "bench.sh: round $r/$rounds: torchsharp" >&2
  "$cli" bench train "${extra[@]}" > "$out/torchsharp-$r.json"
  echo "bench.sh: round $r/$rounds: pytorch reference" >&2
  "$py" scripts/reference/bench_reference_train.py "${extra[@]}" > "$out/pytorch-$r.json"
done

"$py" - "$out" <<'EOF'
import glob, json, os, statistics, sys
out = sys.argv[1]
rows = {}
for f in sorted(glob.glob(os.path.join(out, "*.json"))):
    d = json.load(open(f))
    rows.setdefault(d["implementation"], []).append(d)
def med(runs, key):
    v = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(v) if v else float("nan")
keys = [("trainSamplesPerSecond", "train samples/s", "{:.2f}"), ("msPerStep", "ms/step (median)", "{:.0f}"),
        ("forwardMs", "  forward ms", "{:.0f}"), ("backwardMs", "  backward ms", "{:.0f}"), ("optimizerMs", "  Adam ms", "{:.0f}"),
        ("cpuMsPerStep", "CPU ms/step", "{:.0f}"), ("evalSamplesPerSecond", "eval samples/s", "{:.2f}"), ("peakMB", "peak MB (VmHWM)", "{:.0f}")]
names = [n for n in ("torchsharp", "pytorch") if n in rows]
first = rows[names[0]][0]
print(f"\nmodel {first['model']}, N={first['neurons']}, batch {first['batch']}, input {first['input']}, device {first['device']}, "
      f"{first['threads']} threads; medians over {', '.join(f'{len(rows[n])} {n}' for n in names)} runs")
print(f"{'':22s}" + "".join(f"{n:>22s}" for n in names))
for key, label, fmt in keys:
    print(f"{label:22s}" + "".join(f"{fmt.format(med(rows[n], key)):>22s}" for n in names))
for n in names:
    print(f"{n}: libtorch {rows[n][0].get('libtorch')}, load averages (1 min) {[r['loadAverage'][0] for r in rows[n]]}")
if "pytorch" in rows:
    ours, ref = med(rows["torchsharp"], "msPerStep"), med(rows["pytorch"], "msPerStep")
    print(f"torchsharp step time / pytorch step time: {ours / ref:.2f} (below 1 = ours faster)")
EOF
