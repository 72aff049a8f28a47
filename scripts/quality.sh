#!/usr/bin/env bash
# Training quality on the synthetic `small` preset, next to the oracle: trains each configuration to early stop (or
# --epochs), evaluates its best checkpoint on the live test against the host copy's true responses, and prints a table.
#
#   scripts/quality.sh [--out DIR] [--data DIR] [--device auto|cpu|cuda] [--epochs N] [--threads N] [--seed N]
#                      [--configs "cnn ln cnn-plus …"]
#
# --data   a synthetic dataset (participant copy with DIR/host beside it); default: generated into OUT/data
#          (`sensorium synth --preset small --seed 2022 --mice 26872-17-20,27204-5-13`)
# Configurations (the track's mouse in brackets):
#   ln          LN, stimulus only                     [26872-17-20]
#   cnn         CNN core + Gaussian readout (SOTA)    [26872-17-20]
#   ln-plus     LN + behaviour + shifter              [27204-5-13]
#   cnn-image   CNN, stimulus only                    [27204-5-13]
#   cnn-behavior CNN + behaviour channels             [27204-5-13]
#   cnn-shifter CNN + shifter                         [27204-5-13]
#   cnn-plus    CNN + behaviour + shifter (SOTA+)     [27204-5-13]
# The CLI: $SENSORIUM if set (e.g. a self-contained publish on a GPU machine), else the Release build (built if missing).
# Writes OUT/quality.md (the table) and OUT/quality.tsv; each run's directory, train log and evaluation are in OUT/runs.
set -euo pipefail
cd "$(dirname "$0")/.."

out=artifacts/quality; data=""; device=auto; epochs=200; threads=0; seed=42
configs="ln cnn ln-plus cnn-image cnn-behavior cnn-shifter cnn-plus"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --device) device=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --configs) configs=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "quality.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
command -v python3 >/dev/null || { echo "quality.sh: python3 is needed to read the JSON results" >&2; exit 1; }

if [ -n "${SENSORIUM:-}" ]; then read -r -a cli <<<"$SENSORIUM"
else
  dll=src/Sensorium.Cli/bin/Release/net10.0/sensorium.dll
  [ -f "$dll" ] || dotnet build src/Sensorium.Cli -c Release -v q -nologo >/dev/null
  cli=(dotnet "$dll")
fi

mkdir -p "$out/runs"
if [ -z "$data" ]; then
  data="$out/data"
  if [ ! -d "$data/host" ]; then
    echo "quality.sh: generating the small synthetic dataset (seed 2022, the two competition mice) in $data" >&2
    rm -rf "$data"
    "${cli[@]}" synth --preset small --seed 2022 --mice 26872-17-20,27204-5-13 --out "$data" >/dev/null
  fi
fi
[ -d "$data/host" ] || { echo "quality.sh: $data/host is missing (the true test responses are needed)" >&2; exit 1; }

args_of() {
  case "$1" in
    ln) echo "--track sensorium --model ln" ;;
    cnn) echo "--track sensorium" ;;
    ln-plus) echo "--track sensorium+ --model ln" ;;
    cnn-image) echo "--track sensorium+ --behavior off --shifter off" ;;
    cnn-behavior) echo "--track sensorium+ --shifter off" ;;
    cnn-shifter) echo "--track sensorium+ --behavior off" ;;
    cnn-plus) echo "--track sensorium+" ;;
    *) echo "quality.sh: unknown configuration $1" >&2; return 1 ;;
  esac
}

tsv="$out/quality.tsv"
printf 'config\tmouse\targs\tepochs\tstop\tbest_epoch\tvalidation\ttest_single_trial\ttest_to_average\ttest_feve\tseconds\tdevice\n' >"$tsv"
for c in $configs; do
  a=$(args_of "$c")
  run="$out/runs/$c"; rm -rf "$run"
  echo "quality.sh: $c: sensorium train $a" >&2
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  "${cli[@]}" train --data "$data" $a --epochs "$epochs" --seed "$seed" --device "$device" --threads "$threads" \
    --out "$run" >"$run.stdout.json" 2>"$run.train.log" || { echo "quality.sh: $c failed; see $run.train.log" >&2; tail -5 "$run.train.log" >&2; continue; }
  seconds=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.0f}')" "$start" "$(date +%s.%N)")
  "${cli[@]}" evaluate --run "$run" --data "$data" --truth "$data/host" --tier test --device "$device" \
    >"$run.test.json" 2>>"$run.train.log"
  python3 - "$c" "$a" "$run/summary.json" "$run.test.json" "$seconds" >>"$tsv" <<'EOF'
import json, sys
name, args, summary, test, seconds = sys.argv[1:]
s = json.load(open(summary)); t = json.load(open(test))["mice"][0]
feve = t["feve"]
print("\t".join([name, t["data_key"], args, str(s["epochs"]), s["reason"], str(s["bestEpoch"]),
                 f'{s["bestObjective"]:.3f}', f'{t["single_trial_correlation"]:.3f}',
                 f'{t["correlation_to_average"]:.3f}', "" if feve is None else f"{feve:.3f}", seconds, s["device"]]))
EOF
  tail -1 "$tsv" >&2
done

python3 - "$tsv" "$data" >"$out/quality.md" <<'EOF'
import csv, os, re, sys
tsv, data = sys.argv[1:]
oracle = {}
readme = os.path.join(data, "README.txt")  # written by `sensorium synth`, with the oracle's scores per mouse
if os.path.exists(readme):
    for line in open(readme):
        m = re.match(r"\s+(\S+)\s+\d+ neurons.*oracle ([\d.]+) / ([\d.]+) / ([\d.]+)", line)
        if m: oracle[m.group(1)] = tuple(float(x) for x in m.groups()[1:])
rows = list(csv.DictReader(open(tsv), delimiter="\t"))
print("| config | mouse | epochs (stop) | best val | test single-trial | test corr-to-avg | test FEVE | % of oracle single-trial | % of image-only oracle | wall s | device |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    o = oracle.get(r["mouse"])
    st = float(r["test_single_trial"])
    full = f"{100 * st / o[0]:.0f}%" if o else "?"
    image = f"{100 * st / o[2]:.0f}%" if o else "?"
    print(f"| {r['config']} | {r['mouse']} | {r['epochs']} ({r['stop']}) | {r['validation']} | {r['test_single_trial']} | {r['test_to_average']} | {r['test_feve']} | {full} | {image} | {r['seconds']} | {r['device']} |")
print()
for k, (st, avg, image) in sorted(oracle.items()):
    print(f"Oracle {k} (live test, true responses): single-trial {st:.3f}, corr-to-avg {avg:.3f}; stimulus-only expectation single-trial {image:.3f}.")
EOF
cat "$out/quality.md"
