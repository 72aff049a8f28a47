#!/usr/bin/env bash
# Quality figures that need a GPU, in ONE call of at most ~570 s on a GPU machine without .NET (issues 11, 16, 9):
#   Q. on `small` (mouse 26872-17-20, Sensorium track, seed 42), each trained to early stop and scored on the live test
#      against the host copy: the `vit` core (batch 128, and V1T's batch 16), the `cnn-wide` core, five seeds of the
#      CNN baseline and their ensemble (issue 11: the ensemble of 5 must beat its best member), and a grid sweep of the
#      CNN (8 runs: hidden channels × input-layer smoothness γ × learning rate) whose best run (by validation) is
#      scored on the test;
#   D. the `full` preset (seven mice at the real counts), one shared core (--track all), trained to early stop, with
#      the time per epoch and to the stop, and the per-mouse test scores (issue 16 item 4: ≤ 10 min on one H200);
#   S. the divergence stress benchmark of issue 9 on spare CPU cores (`small`, one mouse and two mice jointly,
#      2 threads each; these are the GPU machine's idle cores, the many-core machine that issue asked for).
# All jobs run side by side (the GPU shared through MPS when nvidia-cuda-mps-control is there; MPS=0 turns it off),
# each capped so the whole stays within $BUDGET seconds; a capped training is scored with its best weights so far and
# says so. Everything is written under $OUT as it is measured: summary.txt (also printed), per job the train summary,
# the epoch lines and the evaluation JSON, gpu.txt (utilisation and memory every 2 s).
#
# Build and carry the CLI as in scripts/gpu-bench.sh (its header); check here on the CPU with tiny sizes:
#      scripts/gpu-quality.sh --dry-run
# On the GPU machine, with the device tool:
#      run(command="BUDGET=560 bash scripts/gpu-quality.sh", carry=[".gpu-carry/cli.tar.xz"], timeout_s=590)
# Variables: BUDGET (s, default 560), PYTHON (python3), CLI_DIR (an unpacked CLI instead of the archive), MPS (1),
# SKIP (any of "Q D S").
set -uo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
DRY=0
[ "${1:-}" = "--dry-run" ] && DRY=1
BUDGET="${BUDGET:-560}"
PYTHON="${PYTHON:-python3}"
SKIP="${SKIP:-}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
if [ -z "${OUT:-}" ]; then OUT=$(mktemp -d "${TMPDIR:-/tmp}/gpu-quality.XXXXXX"); fi
mkdir -p "$OUT"
work=$(mktemp -d "${TMPDIR:-/tmp}/gpu-quality-work.XXXXXX")
S="$OUT/summary.txt"
: >"$S"
say() { echo "$*" | tee -a "$S"; }
left() { echo $(( BUDGET - $(date +%s) + start )); }
# cap N: the smaller of N and the time left minus a reserve for what must follow
cap() { local l; l=$(( $(left) - ${2:-10} )); [ "$1" -lt "$l" ] && echo "$1" || echo $(( l > 1 ? l : 1 )); }
skip() { case " $SKIP " in *" $1 "*) return 0 ;; esac; return 1; }

if [ "$DRY" = 1 ]; then
  DEVICE="${DEVICE:-cpu}"; SMALL=tiny; FULL=tiny; EPOCHS=2; SEEDS="1 2"; GRID=(--grid trainer.lrInit=0.009,0.005)
  STRESS_SEEDS=1; STRESS_EPOCHS=1; FULL_THREADS=1
else
  DEVICE="${DEVICE:-cuda}"; SMALL=small; FULL=full; EPOCHS=200; SEEDS="1 2 3 4 5"
  GRID=(--grid model.core.hiddenChannels=64,128 --grid model.core.gammaInput=6.3831,3 --grid trainer.lrInit=0.009,0.005)
  STRESS_SEEDS=20; STRESS_EPOCHS=3; FULL_THREADS=3
fi
say "gpu-quality: $(date -u +%FT%TZ) budget ${BUDGET}s, device $DEVICE, dry-run $DRY, out $OUT, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
. scripts/gpu-env.sh

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  pkill -f "$work/cli/sensorium" 2>/dev/null
  [ "${mps:-0}" = 1 ] && echo quit | nvidia-cuda-mps-control >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
mps=0
if [ "$DEVICE" = cuda ] && [ "${MPS:-1}" = 1 ] && command -v nvidia-cuda-mps-control >/dev/null; then
  if nvidia-cuda-mps-control -d; then
    # A client must be able to use the GPU through it; else quit it and time-slice (never lose the call to MPS).
    if [ "$have_torch" = 0 ] && timeout 60 "$PYTHON" -c 'import torch; torch.ones(1, device="cuda").sum().item()' >"$OUT/mps-check.txt" 2>&1; then
      mps=1; say "MPS daemon started (jobs share the GPU concurrently)"
    else echo quit | nvidia-cuda-mps-control >/dev/null 2>&1; say "MPS started but a client failed ($(tail -1 "$OUT/mps-check.txt")): jobs time-slice the GPU"; fi
  else say "MPS could not start: jobs time-slice the GPU"; fi
fi
if command -v nvidia-smi >/dev/null; then
  ( while :; do echo "$(( $(date +%s) - start )) $(nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits 2>&1 | tr '\n' ' ')" >>"$OUT/gpu.txt"; sleep 2; done ) &
  pids+=($!)
fi

# --- Data: `small` (the two mice of the stress benchmark's joint configuration) and `full`, side by side. ---
small="$work/small"; full="$work/full"
t0=$(date +%s)
"${cli[@]}" synth --preset "$SMALL" --mice 26872-17-20,27204-5-13 --no-zip --out "$small" >"$OUT/synth-small.json" 2>"$OUT/synth-small.err" &
sp=$!
if ! skip D; then
  "${cli[@]}" synth --preset "$FULL" --no-zip --out "$full" >"$OUT/synth-full.json" 2>"$OUT/synth-full.err" &
  fp=$!
fi
wait "$sp" || { say "[FAIL] synth $SMALL: $(tail -2 "$OUT/synth-small.err" | tr '\n' ' ')"; exit 1; }
say "synth $SMALL: $(( $(date +%s) - t0 )) s"

# Test scores of an evaluation JSON, one line per mouse: "mouse: single-trial X, to-average Y".
scores() {
  "$PYTHON" - "$1" <<'EOF' 2>&1
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except Exception as e:
    print("no evaluation (%s)" % type(e).__name__); sys.exit()
def f(v): return "%.4f" % v if isinstance(v, (int, float)) else str(v)
for m in j["mice"]:
    print("%s: single-trial %s, to-average %s, FEVE %s" % (m["data_key"], f(m["single_trial_correlation"]), f(m["correlation_to_average"]), f(m["feve"])))
EOF
}
# train_eval NAME DATA TIMEOUT [train options...]: train to early stop (or the cap), then score on the live test.
train_eval() {
  local name=$1 data=$2 limit=$3; shift 3
  local run="$work/runs/$name" t0 t1 rc how
  t0=$(date +%s)
  # --max-minutes (checked at each epoch's end) ends a long training gracefully, best weights kept, ~20 s before the timeout.
  local minutes; minutes=$(awk -v c="$limit" 'BEGIN { m = (c - 20) / 60; if (m < 0.05) m = 0.05; printf "%.3f", m }')
  timeout "$limit" "${cli[@]}" train --device "$DEVICE" --data "$data" --epochs "$EPOCHS" --max-minutes "$minutes" --out "$run" --events "$work/$name.events" "$@" \
    >"$OUT/$name-train.json" 2>"$work/$name.err"
  rc=$?; t1=$(date +%s)
  grep -vE '^\s*batch|batch [0-9]+/' "$work/$name.err" | tail -400 >"$OUT/$name-train.err"
  grep -E '"(type|kind)": *"(epoch|Epoch)' "$work/$name.events" >"$OUT/$name-epochs.jsonl" 2>/dev/null
  case $rc in 0) how="exit 0 (early stop, max epochs or the time limit: see train-err)";; 124|130|143) how="CAPPED at ${limit} s (best weights so far)";; 4) how="diverged";; *) how="FAILED (exit $rc)";; esac
  timeout "$(cap 90 0)" "${cli[@]}" evaluate --run "$run" --truth "$data/host" --tier test --device "$DEVICE" \
    >"$OUT/$name-test.json" 2>"$OUT/$name-test.err"
  say "$name: $how after $((t1 - t0)) s; $(grep -E 'finished|STOPPED|stopped|diverged' "$work/$name.err" | tail -1 | sed 's/^train: //')"
  say "   test $(scores "$OUT/$name-test.json" | tr '\n' ';')"
}

if ! skip Q; then
  q=(--track sensorium --threads 1)
  qcap=$(( BUDGET - 60 ))
  ( train_eval vit "$small" "$(cap $qcap 60)" "${q[@]}" --seed 42 --model vit ) & pids+=($!); qp=($!)
  ( train_eval vit-b16 "$small" "$(cap $qcap 60)" "${q[@]}" --seed 42 --model vit --batch-size 16 ) & pids+=($!); qp+=($!)
  ( train_eval cnn-wide "$small" "$(cap $qcap 60)" "${q[@]}" --seed 42 --model cnn-wide ) & pids+=($!); qp+=($!)
  ( members=()
    for s in $SEEDS; do train_eval "sota-s$s" "$small" "$(cap 150 90)" "${q[@]}" --seed "$s"; members+=("$work/runs/sota-s$s"); done
    "${cli[@]}" ensemble --runs "$(IFS=,; echo "${members[*]}")" --out "$work/runs/ens5" >"$OUT/ens5.json" 2>"$OUT/ens5.err" \
      || say "ensemble: FAILED $(tail -2 "$OUT/ens5.err" | tr '\n' ' ')"
    timeout "$(cap 90 0)" "${cli[@]}" evaluate --run "$work/runs/ens5" --truth "$small/host" --tier test --device "$DEVICE" \
      >"$OUT/ens5-test.json" 2>"$OUT/ens5-test.err"
    say "ensemble of seeds $SEEDS: test $(scores "$OUT/ens5-test.json" | tr '\n' ';')" ) & pids+=($!); qp+=($!)
  ( cat >"$work/base.json" <<EOF
{"dataset": {"path": "$small", "track": "sensorium", "scale": 0.25},
 "model": {"core": {"kind": "stacked2d", "layers": 4, "hiddenChannels": 64, "inputKernel": 9, "hiddenKernel": 7, "linear": false,
                    "gammaInput": 6.3831, "batchNormMomentum": 0.9, "inputChannels": 1},
           "readout": {"kind": "fullGaussian2d", "gammaReadout": 0.0076, "initSigma": 0.1, "gridPredictorHiddenFeatures": 30,
                       "gridPredictorHiddenLayers": 1, "bias": true}, "shifter": null},
 "trainer": {"maxEpochs": $EPOCHS, "lrInit": 0.009, "batchSize": 128, "device": "$DEVICE", "threads": 1}, "seed": 42}
EOF
    t0=$(date +%s)
    timeout "$(cap $qcap 60)" "${cli[@]}" sweep --spec "$work/base.json" "${GRID[@]}" --budget 8 --out "$work/sweep" \
      >"$OUT/sweep-table.txt" 2>"$work/sweep.err"
    rc=$?
    grep -vE 'batch [0-9]+/' "$work/sweep.err" | tail -300 >"$OUT/sweep.err"
    cp "$work/sweep/results.json" "$OUT/sweep-results.json" 2>/dev/null
    say "sweep (exit $rc after $(( $(date +%s) - t0 )) s):"; sed 's/^/   /' "$OUT/sweep-table.txt" | tee -a "$S" >/dev/null; sed 's/^/   /' "$OUT/sweep-table.txt"
    best=$("$PYTHON" -c 'import json, sys; print(next((r["directory"] for r in json.load(open(sys.argv[1])) if r.get("best")), ""))' "$work/sweep/results.json" 2>/dev/null)
    if [ -n "$best" ]; then
      timeout "$(cap 90 0)" "${cli[@]}" evaluate --run "$best" --truth "$small/host" --tier test --device "$DEVICE" \
        >"$OUT/sweep-best-test.json" 2>"$OUT/sweep-best-test.err"
      say "sweep best $(basename "$best"): test $(scores "$OUT/sweep-best-test.json" | tr '\n' ';')"
    else say "sweep: no best run marked"; fi ) & pids+=($!); qp+=($!)
fi

stress=()
if ! skip S; then
  for config in single joint; do
    ( scripts/stress-divergence.sh --cli "$cli_dir/sensorium" --data "$small" --seeds "$STRESS_SEEDS" \
        --epochs "$STRESS_EPOCHS" --threads 2 --configs "$config" >"$OUT/stress-$config.txt" 2>"$OUT/stress-$config.err" ) & pids+=($!)
    stress+=($!)
  done
fi

if ! skip D; then
  wait "$fp"; frc=$?
  say "synth $FULL: exit $frc after $(( $(date +%s) - t0 )) s ($(tail -1 "$OUT/synth-full.err"))"
  if [ "$frc" = 0 ]; then
    train_eval full "$full" "$(cap $(( BUDGET - 45 )) 45)" --track all --threads "$FULL_THREADS" --seed 42
    "$PYTHON" - "$OUT/full-epochs.jsonl" <<'EOF' 2>&1 | tee -a "$S"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("   full: %d epoch events" % len(rows))
keys = sorted({k for r in rows for k in r})
print("   epoch event keys: %s" % ", ".join(keys))
EOF
  fi
fi

for p in "${qp[@]:-}"; do [ -n "$p" ] && wait "$p"; done
# The stress runs go on until the budget's end (they are killed then: the runs finished so far are counted).
while [ "$(left)" -gt 12 ]; do alive=0; for p in "${stress[@]:-}"; do [ -n "$p" ] && kill -0 "$p" 2>/dev/null && alive=1; done; [ $alive = 0 ] && break; sleep 2; done
say ""; say "stress (issue 9, CPU, 2 threads each, $(nproc) cores):"
for config in single joint; do [ -f "$OUT/stress-$config.txt" ] && sed 's/^/   /' "$OUT/stress-$config.txt" | tee -a "$S"; done
say "done after $(( $(date +%s) - start )) s; load $(cut -d' ' -f1-3 /proc/loadavg)"
# The device tool brings back only a few files: pack everything but the summary into one archive.
( cd "$OUT" && tar -czf all.tgz --exclude=all.tgz --exclude=summary.txt . && find . -type f ! -name all.tgz ! -name summary.txt -delete )
