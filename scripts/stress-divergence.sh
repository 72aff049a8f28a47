#!/usr/bin/env bash
# Stress benchmark for issue "Training must never fail silently": trains the `small` synthetic preset for a few
# epochs over many seeds with 2 threads, one mouse alone and several mice jointly, and prints how many runs met
# non-finite numbers. A run counts as having met them when the training-health guard reported a divergence
# (recovered or not) or, for builds without the guard, when its progress shows a NaN/inf loss or a validation
# correlation of exactly 0 after training started.
#
# Usage: scripts/stress-divergence.sh [--seeds N] [--epochs E] [--threads T] [--data DIR] [--cli PATH/sensorium.dll]
#                                     [--configs "single joint"]
#   --cli   another build of the CLI (e.g. a worktree of an older commit) to count "before" and "after" alike: a
#           sensorium.dll (run with dotnet) or a self-contained `sensorium` executable (as scripts/gpu-quality.sh carries).
# Always on the CPU (--device cpu), also on a machine with a GPU. Prints one line per run and a summary; the figures
# depend on the machine and its load: quote them with `uptime`.
# The diagnostics of issue 9 pass through the environment to every run (see src/Sensorium.Training/Health/DIVERGENCE.md):
#   SENSORIUM_GC_STRESS=1 SENSORIUM_ALLOC_FILL=junk scripts/stress-divergence.sh --seeds 4 --epochs 1
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=20; epochs=3; threads=2; data=""; cli=""; configs="single joint"
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds=$2; shift 2;; --epochs) epochs=$2; shift 2;; --threads) threads=$2; shift 2;;
    --data) data=$2; shift 2;; --cli) cli=$2; shift 2;; --configs) configs=$2; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
if [ -z "$cli" ]; then
  dotnet build src/Sensorium.Cli -c Release -nologo -v q >&2
  cli=src/Sensorium.Cli/bin/Release/net10.0/sensorium.dll
fi
[ -f "$cli" ] || { echo "no CLI at $cli" >&2; exit 1; }
run_cli() { case "$cli" in *.dll) dotnet "$cli" "$@";; *) "$cli" "$@";; esac; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
if [ -z "$data" ]; then
  data="$work/small"
  echo "generating the small synthetic preset in $data ..." >&2
  run_cli synth --preset small --out "$data" >/dev/null
fi
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $seeds seeds x $epochs epochs, $threads threads; diagnostics: GC stress ${SENSORIUM_GC_STRESS:-off}, allocator fill ${SENSORIUM_ALLOC_FILL:-off}${ATEN_CPU_CAPABILITY:+, ATEN_CPU_CAPABILITY=$ATEN_CPU_CAPABILITY}"
total=0; bad=0
for config in $configs; do
  cbad=0
  for seed in $(seq 1 "$seeds"); do
    out="$work/$config-$seed"
    if [ "$config" = single ]; then args=(--track sensorium); else args=(--track sensorium --mice 26872-17-20,27204-5-13); fi
    set +e
    run_cli train --device cpu --data "$data" "${args[@]}" --epochs "$epochs" --threads "$threads" --seed "$seed" --out "$out" \
      >"$out.json" 2>"$out.err"
    code=$?
    set -e
    met=no
    if [ "$code" -eq 4 ] || grep -q '"recoveries": *[1-9]' "$out.json" || grep -Eiq 'loss (NaN|-?inf)|DIVERGED|validation [0-9-]+ 0\.0000[ ,]' "$out.err"; then met=yes; fi
    [ "$code" -ne 0 ] && [ "$code" -ne 4 ] && met="error (exit $code: $(tail -1 "$out.err"))"
    echo "$config seed $seed: exit $code, non-finite met: $met; $(grep -E 'finished|STOPPED' "$out.err" | tail -1 | sed 's/^train: //')"
    total=$((total + 1)); [ "$met" = yes ] && { bad=$((bad + 1)); cbad=$((cbad + 1)); }
  done
  echo "$config: $cbad of $seeds runs met non-finite numbers"
done
echo "total: $bad of $total runs met non-finite numbers (load now $(cut -d' ' -f1-3 /proc/loadavg))"
