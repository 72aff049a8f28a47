#!/usr/bin/env bash
# GPU benchmark for issue 16, in ONE call of at most ~420 s on a GPU machine that has a pip PyTorch with CUDA but no
# .NET and no NuGet (the CLI travels as a self-contained publish, as in scripts/gpu-check.sh).
#
# 1. Here (with .NET and NuGet), build the carried archive (~28 MB, under the 64 MiB carry limit; .gpu-carry/ is ignored):
#      dotnet publish src/Sensorium.Cli -c Release -r linux-x64 --self-contained -nologo -v q -o .gpu-carry/cli &&
#      tar -C .gpu-carry/cli --exclude='./libtorch*.so*' --exclude='./libc10*' --exclude='./libgomp*' \
#        --exclude='./libaoti_custom_ops.so' --exclude='./libbackend_with_compiler.so' --exclude='./libjitbackend_test.so' \
#        --exclude='./libnnapi_backend.so' --exclude='./libshm.so' --exclude='./libtorchbind_test.so' --exclude='./createdump' \
#        -cf - . | xz -T2 -6 > .gpu-carry/cli.tar.xz
#    (TorchSharp's CPU libtorch is left out: the GPU machine's torch/lib is loaded through SENSORIUM_LIBTORCH_DIR.)
# 2. Check it here on the CPU with tiny sizes (no GPU, no pip torch needed; the PyTorch steps report "no torch"):
#      scripts/gpu-bench.sh --dry-run            (OUT defaults to a temporary folder; prints where)
# 3. On the GPU machine, from the repository root, carrying .gpu-carry/cli.tar.xz:
#      OMP_WAIT_POLICY=PASSIVE BUDGET=420 scripts/gpu-bench.sh
#    with the device tool:  run(command="BUDGET=400 bash scripts/gpu-bench.sh", carry=[".gpu-carry/cli.tar.xz"], timeout_s=460)
#
# Everything is written under $OUT as it is measured (a timeout still returns what was done): summary.txt (the
# human summary, also printed), results.json (assembled after each step), and per step the raw JSON/stderr.
# Steps, most important first; each is time-capped so the whole stays within $BUDGET seconds:
#   A. device discovery's answer (`sensorium devices --torch`, nvidia-smi) — what the server's scheduler would make of it
#      — and whether the cuDNN benchmark flag is reachable in the loaded libtorch (its library and value).
#   B. ours vs PyTorch (scripts/reference/bench_reference_train.py) on the reference configuration (batch 128,
#      1x36x64, 8,000 neurons), interleaved, all with one sync per step (no-split): fp32; fp32 + cuDNN benchmark; fp32 +
#      channels-last; fp32 + both; bf16 (ours: autocast-style, the core's convolutions in bf16, all else fp32; PyTorch:
#      autocast bf16); bf16 + both. cuDNN benchmark: ours sets libtorch's flag through its C++ exports and reads it back,
#      PyTorch sets torch.backends.cudnn.benchmark. Channels-last: ours stores each batch NHWC (the convolutions follow),
#      PyTorch converts the core's weights and the batch (memory_format=torch.channels_last). The earlier protocol's
#      "fp32 split" (3 syncs/step, measured 0.91x in session 4) is no longer run, to make room for these.
#   C. aggregate throughput of concurrent small runs (800 neurons, batch 128, one thread each; default 1 and 4 — 2 and 8
#      were measured in session 4 and dropped for B's variants) on the one GPU, with nvidia-smi's memory per process
#      and utilisation sampled → the recommended slots per GPU.
#   F. bf16 quality: SOTA on `small` (Sensorium track), fp32 and bf16 trained side by side on the GPU, capped at QCAP
#      (75 s) each (best weights so far if capped), test scores against the host copy.
#   D. if time is left: the `full` synthetic preset (7 mice, real counts) generated here, then trained on CUDA with one
#      shared core (--track all), time-capped; per-mouse test scores (evaluate --tier test against the host copy).
#   E. if still time is left: B again (a second interleaved round, for run-to-run noise).
# Variables: BUDGET (s, default 420), PYTHON (python3), CLI_DIR (an unpacked CLI instead of the archive),
# CONCURRENCY ("1 4"), VARIANTS (B's, "fp32 fp32-bench fp32-cl fp32-bench-cl bf16 bf16-bench-cl"), QCAP (75), DEVICE (cuda; --dry-run sets cpu and tiny sizes), SKIP ("D E" to skip steps).
# Order run: A, B, C, F, D, E.
set -uo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
DRY=0
[ "${1:-}" = "--dry-run" ] && DRY=1
BUDGET="${BUDGET:-420}"
PYTHON="${PYTHON:-python3}"
SKIP="${SKIP:-}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
if [ -z "${OUT:-}" ]; then OUT=$(mktemp -d "${TMPDIR:-/tmp}/gpu-bench.XXXXXX"); fi
mkdir -p "$OUT"
work=$(mktemp -d "${TMPDIR:-/tmp}/gpu-bench-work.XXXXXX")
S="$OUT/summary.txt"
: >"$S"
say() { echo "$*" | tee -a "$S"; }
elapsed() { echo $(( $(date +%s) - start )); }
left() { echo $(( BUDGET - $(date +%s) + start )); }
# cap N: the smaller of N and the time left minus a reserve for the summary
cap() { local l; l=$(( $(left) - 8 )); [ "$1" -lt "$l" ] && echo "$1" || echo $(( l > 1 ? l : 1 )); }
skip() { case " $SKIP " in *" $1 "*) return 0 ;; esac; return 1; }

if [ "$DRY" = 1 ]; then
  DEVICE="${DEVICE:-cpu}"; NEURONS=200; BATCH=8; STEPS=3; WARMUP=1; CNEURONS=100; CSTEPS=4; CWARM=1
  CONCURRENCY="${CONCURRENCY:-1 2}"; PRESET=tiny; EPOCHS=2; THREADS=1; QPRESET=tiny; QEPOCHS=2; QCAP=150
else
  DEVICE="${DEVICE:-cuda}"; NEURONS=8000; BATCH=128; STEPS=100; WARMUP=10; CNEURONS=800; CSTEPS=600; CWARM=20
  CONCURRENCY="${CONCURRENCY:-1 4}"; PRESET=full; EPOCHS=200; THREADS=1; QPRESET=small; QEPOCHS=200; QCAP=${QCAP:-75}
fi
say "gpu-bench: $(date -u +%FT%TZ) budget ${BUDGET}s, device $DEVICE, dry-run $DRY, out $OUT"

# --- Set-up: the CLI (unpacked from the carried archive unless CLI_DIR is given) and the libtorch to load. ---
. scripts/gpu-env.sh

# Assemble results.json from what is there so far (python without torch is enough).
assemble() {
  "$PYTHON" - "$OUT" <<'EOF' 2>>"$OUT/assemble.err" || true
import json, os, sys, glob
out = sys.argv[1]
def load(p):
    try:
        with open(p) as f: return json.load(f)
    except Exception: return None
r = {"devices": load(os.path.join(out, "A-devices.json")), "reference": {}, "concurrency": {}, "full": load(os.path.join(out, "D-full.json")),
     "bf16Quality": {p: load(os.path.join(out, f"F-{p}-evaluate.json")) for p in ("fp32", "bf16")}}
for p in sorted(glob.glob(os.path.join(out, "[BE]-*.json"))):
    j = load(p)
    if j: r["reference"][os.path.basename(p)[:-5]] = {k: j.get(k) for k in ("implementation", "precision", "split", "channelsLast", "cudnnBenchmark", "trainSamplesPerSecond", "msPerStep", "forwardMs", "backwardMs", "optimizerMs", "evalSamplesPerSecond", "peakMB", "lastLoss", "libtorch", "partsMs")}
for p in sorted(glob.glob(os.path.join(out, "C-concurrency-*.json"))):
    j = load(p)
    if j: r["concurrency"][str(j["runs"])] = j
with open(os.path.join(out, "results.json"), "w") as f: json.dump(r, f, indent=2)
EOF
}

# --- A. Device discovery. ---
if ! skip A; then
  say ""; say "== A. device discovery (sensorium devices --torch)"
  timeout "$(cap 60)" "${cli[@]}" devices --torch >"$OUT/A-devices.json" 2>"$OUT/A-devices.err"; rc=$?
  say "   exit $rc: $(tail -1 "$OUT/A-devices.err")"
  # trainer.cudnnBenchmark's reach: the libtorch_cpu.so whose at::Context flag it sets, and the flag's value now.
  say "   cuDNN benchmark flag: $("$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1])).get("torch", {}).get("cudnnBenchmark"))' "$OUT/A-devices.json" 2>&1 | tail -1)"
  assemble
fi

# --- B. Ours vs PyTorch on the reference configuration. ---
# The variants of B and E: precision, then switches (bench = cuDNN benchmark, cl = channels-last); all no-split.
export VARIANTS="${VARIANTS:-fp32 fp32-bench fp32-cl fp32-bench-cl bf16 bf16-bench-cl}"
bench_pair() { # round: ours and PyTorch, interleaved, for each variant
  local round=$1 variant name extra
  for variant in $VARIANTS; do
    extra=(--precision "${variant%%-*}" --no-split)
    case "$variant-" in *-bench-*) extra+=(--cudnn-benchmark) ;; esac
    case "$variant-" in *-cl-*) extra+=(--channels-last) ;; esac
    name="$variant"
    [ "$(left)" -lt 30 ] && { say "   (time is up: $name and later skipped)"; return; }
    local profile=(); [ "$round" = B ] && [ "$name" = fp32 ] && profile=(--profile 5)
    timeout "$(cap 90)" "${cli[@]}" bench train --device "$DEVICE" --neurons "$NEURONS" --batch "$BATCH" --steps "$STEPS" \
      --warmup "$WARMUP" --threads "$THREADS" "${extra[@]}" "${profile[@]}" >"$OUT/$round-ours-$name.json" 2>"$OUT/$round-ours-$name.err"
    local rc=$?
    if [ $rc = 0 ]; then say "   ours    $name: $(grep -E '^torchsharp' "$OUT/$round-ours-$name.err" | tail -1 | cut -d: -f2 | cut -d';' -f1-2)"
    else say "   ours    $name: FAILED (exit $rc): $(tail -2 "$OUT/$round-ours-$name.err" | tr '\n' ' ')"; fi
    if [ "$have_torch" = 0 ]; then
      timeout "$(cap 90)" "$PYTHON" scripts/reference/bench_reference_train.py --device "$DEVICE" --neurons "$NEURONS" --batch "$BATCH" \
        --steps "$STEPS" --warmup "$WARMUP" --threads "$THREADS" "${extra[@]}" >"$OUT/$round-pytorch-$name.json" 2>"$OUT/$round-pytorch-$name.err"
      rc=$?
      if [ $rc = 0 ]; then say "   pytorch $name: $(grep -E '^pytorch' "$OUT/$round-pytorch-$name.err" | tail -1 | cut -d: -f2 | cut -d';' -f1-2)"
      else say "   pytorch $name: FAILED (exit $rc): $(tail -2 "$OUT/$round-pytorch-$name.err" | tr '\n' ' ')"; fi
    fi
    assemble
  done
}
ratio_table() {
  "$PYTHON" - "$OUT" <<'EOF' 2>/dev/null | tee -a "$S"
import json, os, sys, glob
out = sys.argv[1]
rows = {}
for p in glob.glob(os.path.join(out, "[BE]-*.json")):
    base = os.path.basename(p)[:-5]
    rnd, impl, name = base.split("-", 2)
    try: j = json.load(open(p))
    except Exception: continue
    rows.setdefault(name, {}).setdefault(impl, []).append(j["trainSamplesPerSecond"])
print("   %-14s %12s %12s %7s %12s   (train samples/s, median over rounds; ours/fp32: against our plain fp32)" % ("variant", "ours", "pytorch", "ratio", "ours/fp32"))
med = lambda v: sorted(v)[len(v) // 2] if v else None
base = med(rows.get("fp32", {}).get("ours", []))
for name in os.environ.get("VARIANTS", "fp32 fp32-bench fp32-cl fp32-bench-cl bf16 bf16-bench-cl").split():
    o, t = med(rows.get(name, {}).get("ours", [])), med(rows.get(name, {}).get("pytorch", []))
    print("   %-14s %12s %12s %7s %12s" % (name, o, t, ("%.2fx" % (o / t)) if o and t else "-", ("%.2fx" % (o / base)) if o and base else "-"))
EOF
}
if ! skip B; then
  say ""; say "== B. ours vs PyTorch, reference configuration (batch $BATCH, 1x36x64, $NEURONS neurons), $STEPS steps after $WARMUP warm-up, one sync/step; variants: $VARIANTS"
  bench_pair B
  ratio_table
fi

# --- C. Concurrent small runs on one GPU. ---
if ! skip C; then
  say ""; say "== C. concurrent small runs ($CNEURONS neurons, batch $BATCH, 1 thread each, no-split, $CSTEPS steps): aggregate throughput"
  for k in $CONCURRENCY; do
    [ "$(left)" -lt 40 ] && { say "   (time is up: $k concurrent and later skipped)"; break; }
    dir="$OUT/C-$k"; mkdir -p "$dir"
    sampler=""
    if command -v nvidia-smi >/dev/null; then
      ( while :; do
          date +%s.%N | tr '\n' ' ' >>"$dir/gpu.txt"
          nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits 2>&1 | tr '\n' ' ' >>"$dir/gpu.txt"
          nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader,nounits 2>&1 | tr '\n' ';' >>"$dir/gpu.txt"
          echo >>"$dir/gpu.txt"; sleep 0.5
        done ) & sampler=$!
    fi
    t0=$(date +%s.%N); pids=()
    c=$(cap 150)
    for i in $(seq 1 "$k"); do
      timeout "$c" "${cli[@]}" bench train --device "$DEVICE" --neurons "$CNEURONS" --batch "$BATCH" --steps "$CSTEPS" --warmup "$CWARM" \
        --eval-steps 0 --threads 1 --no-split --seed "$i" >"$dir/$i.json" 2>"$dir/$i.err" & pids+=($!)
    done
    fails=0; for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
    t1=$(date +%s.%N)
    [ -n "$sampler" ] && kill "$sampler" 2>/dev/null && wait "$sampler" 2>/dev/null
    "$PYTHON" - "$dir" "$k" "$t0" "$t1" "$fails" "$BATCH" "$CSTEPS" "$CWARM" >"$OUT/C-concurrency-$k.json" <<'EOF'
import json, os, sys
d, k, t0, t1, fails, batch, steps, warm = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
runs = []
for i in range(1, k + 1):
    try: runs.append(json.load(open(os.path.join(d, f"{i}.json"))))
    except Exception: pass
# Per run: samples/s over the middle half of its steps (when all runs overlap), and the median step's.
def mid(ms):
    s = ms[len(ms) // 4: len(ms) - len(ms) // 4] or ms
    return batch * len(s) / (sum(s) / 1000)
per = [mid(r["stepMs"]) for r in runs]
util, mem, apps = [], [], []
try:
    for line in open(os.path.join(d, "gpu.txt")):
        parts = line.split(" ", 1)
        if len(parts) < 2: continue
        fields = parts[1].split(";")[0].split(",")
        head = parts[1].strip().split(" ")
        try:
            u, m = parts[1].split(",")[0:2]
            util.append(float(u)); mem.append(float(m.split()[0]))
        except Exception: pass
        for app in parts[1].split(";"):
            app = app.strip()
            if app.count(",") == 1 and app.split(",")[1].strip().isdigit():
                apps.append(int(app.split(",")[1]))
except FileNotFoundError: pass
util_busy = sorted(util)[len(util) // 2] if util else None
print(json.dumps({"runs": k, "finished": len(runs), "failed": fails, "wallSeconds": round(t1 - t0, 2),
  "aggregateSamplesPerSecond": round(sum(per), 1), "perRunSamplesPerSecond": [round(p, 1) for p in per],
  "wallSamplesPerSecond": round(len(runs) * batch * (steps + warm) / (t1 - t0), 1),
  "gpuUtilizationMedianPercent": util_busy, "gpuMemoryUsedMaxMiB": max(mem) if mem else None,
  "perProcessMemoryMaxMiB": max(apps) if apps else None}, indent=1))
EOF
    say "   $k run(s): $("$PYTHON" - "$OUT/C-concurrency-$k.json" <<'EOF' 2>&1
import json, sys
j = json.load(open(sys.argv[1]))
print("aggregate %s samples/s (per run %s), wall %s s, GPU util median %s%%, GPU memory max %s MiB, per process max %s MiB, failed %s" % (
    j["aggregateSamplesPerSecond"], j["perRunSamplesPerSecond"], j["wallSeconds"], j["gpuUtilizationMedianPercent"],
    j["gpuMemoryUsedMaxMiB"], j["perProcessMemoryMaxMiB"], j["failed"]))
EOF
)"
    assemble
  done
  "$PYTHON" - "$OUT" <<'EOF' 2>/dev/null | tee -a "$S"
import json, os, sys, glob
out = sys.argv[1]
res = {}
for p in glob.glob(os.path.join(out, "C-concurrency-*.json")):
    try: j = json.load(open(p)); res[j["runs"]] = j["aggregateSamplesPerSecond"]
    except Exception: pass
if 1 in res and res[1]:
    one = res[1]
    print("   speed-up over one run: " + ", ".join(f"{k}: {v / one:.2f}x" for k, v in sorted(res.items())))
    # Recommended slots: the most runs whose aggregate still gains >= 10% over the next smaller count measured.
    best = 1; prev = one
    for k in sorted(res):
        if k > 1 and res[k] >= 1.10 * prev: best = k; prev = res[k]
    print(f"   recommended slots per GPU (largest count still gaining >= 10%): {best}")
EOF
fi

# --- F. bf16 quality: the SOTA model on `small` (Sensorium track), fp32 and bf16 side by side, time-capped. ---
if ! skip F && [ "$(left)" -ge 100 ]; then
  say ""; say "== F. quality of bf16: sota on the $QPRESET preset (sensorium track, seed 42), fp32 and bf16 trained side by side, capped at ${QCAP}s"
  qdata="$work/qdata"
  timeout "$(cap 60)" "${cli[@]}" synth --preset "$QPRESET" --mice 26872-17-20 --no-zip --out "$qdata" >"$OUT/F-synth.json" 2>"$OUT/F-synth.err"
  say "   synth: exit $? ($(tail -1 "$OUT/F-synth.err"))"
  c=$(cap "$QCAP"); qpids=()
  # --max-minutes ends training gracefully (best weights in model.pth, scored) ~15 s before the hard timeout.
  qmin=$(awk -v c="$c" 'BEGIN { m = (c - 15) / 60; if (m < 0.05) m = 0.05; printf "%.3f", m }')
  for p in fp32 bf16; do
    timeout -s TERM "$c" "${cli[@]}" train --data "$qdata" --track sensorium --device "$DEVICE" --epochs "$QEPOCHS" --precision "$p" --max-minutes "$qmin" \
      --out "$work/q-$p" --events "$OUT/F-$p-events.jsonl" >"$OUT/F-$p-train.json" 2>"$OUT/F-$p-train.err" & qpids+=($!)
  done
  i=0; for p in fp32 bf16; do wait "${qpids[$i]}"; qrc[$i]=$?; i=$((i + 1)); done
  i=0
  for p in fp32 bf16; do
    run="$work/q-$p"
    [ -f "$run/model.pth" ] || { [ -f "$run/checkpoint/best.pth" ] && cp "$run/checkpoint/best.pth" "$run/model.pth"; }
    timeout "$(cap 40)" "${cli[@]}" evaluate --run "$run" --truth "$qdata/host" --tier test --device "$DEVICE" >"$OUT/F-$p-evaluate.json" 2>"$OUT/F-$p-evaluate.err"
    say "   $p: train exit ${qrc[$i]} ($([ "${qrc[$i]}" = 0 ] && echo finished || echo "capped: best weights so far")); $(grep -E '^train: finished' "$OUT/F-$p-train.err" | tail -1); $("$PYTHON" - "$OUT/F-$p-evaluate.json" "$OUT/F-$p-events.jsonl" <<'EOF' 2>&1
import json, sys
ep = [json.loads(l) for l in open(sys.argv[2]) if '"type":"epoch"' in l]
secs = sorted(e["epochSeconds"] for e in ep)
try:
    m = json.load(open(sys.argv[1]))["mice"][0]
    scores = "test single-trial %.4f, corr-to-avg %.4f" % (m["single_trial_correlation"], m["correlation_to_average"])
except Exception as e:
    scores = "no test scores (no model to evaluate: %s)" % type(e).__name__
print("%d epochs, %.2f s/epoch, %.0f samples/s; %s" % (
    len(ep), secs[len(secs) // 2] if secs else float("nan"), ep[-1]["samplesPerSecond"] if ep else float("nan"), scores))
EOF
)"
    i=$((i + 1))
  done
  assemble
fi

# --- D. The full preset, 7 mice, one shared core, on CUDA, time-capped. ---
if ! skip D && [ "$(left)" -ge 90 ]; then
  say ""; say "== D. $PRESET preset, all mice, one shared core (--track all), time-capped"
  data="$work/data"; t0=$(date +%s)
  timeout "$(cap $(( $(left) - 70 )))" "${cli[@]}" synth --preset "$PRESET" --no-zip --out "$data" >"$OUT/D-synth.json" 2>"$OUT/D-synth.err"; rc=$?
  t1=$(date +%s)
  say "   synth --preset $PRESET: exit $rc in $((t1 - t0)) s ($(grep -c . "$OUT/D-synth.err") progress lines; last: $(tail -1 "$OUT/D-synth.err"))"
  say "   dataset: $(ls -d "$data"/static* 2>/dev/null | wc -l) mouse folders, $(du -sm "$data" 2>/dev/null | cut -f1) MB"
  if [ $rc = 0 ] && [ "$(left)" -ge 45 ]; then
    run="$work/run"; t0=$(date +%s)
    # The time limit (trainer.maxMinutes) ends training as early stopping would, best weights kept and scored; it is checked
    # at an epoch's end, so it is set ~20 s (a few full epochs) before the hard timeout.
    dcap=$(cap $(( $(left) - 30 ))); dmin=$(awk -v c="$dcap" 'BEGIN { m = (c - 20) / 60; if (m < 0.05) m = 0.05; printf "%.3f", m }')
    timeout -s TERM "$dcap" "${cli[@]}" train --data "$data" --track all --device "$DEVICE" --epochs "$EPOCHS" --max-minutes "$dmin" \
      --out "$run" --events "$OUT/D-events.jsonl" >"$OUT/D-train.json" 2>"$OUT/D-train.err"; trc=$?
    t1=$(date +%s)
    how="finished"; [ $trc = 0 ] || how="capped (exit $trc): best weights so far"
    say "   train --track all: exit $trc in $((t1 - t0)) s, $(grep -c '"type":"epoch"' "$OUT/D-events.jsonl" 2>/dev/null) epochs; $(grep -E '^train: (device|finished)' "$OUT/D-train.err" | tr '\n' ' ')"
    "$PYTHON" - "$OUT/D-events.jsonl" <<'EOF' 2>/dev/null | tee -a "$S"
import json, sys
ep = [json.loads(l) for l in open(sys.argv[1]) if '"type":"epoch"' in l]
if ep:
    secs = [e["epochSeconds"] for e in ep]
    print("   %d epochs, %.1f s/epoch (training part; median), %.0f samples/s; best objective %.4f at epoch %d; last epoch's validation: %s" % (
        len(ep), sorted(secs)[len(secs) // 2], ep[-1]["samplesPerSecond"], ep[-1]["bestObjective"], ep[-1]["bestEpoch"],
        ", ".join("%s %.3f" % (k, v) for k, v in ep[-1]["validation"].items())))
EOF
    if [ ! -f "$run/model.pth" ] && [ -f "$run/checkpoint/best.pth" ]; then cp "$run/checkpoint/best.pth" "$run/model.pth"; fi
    if [ -f "$run/model.pth" ] && [ -d "$data/host" ]; then
      timeout "$(cap 25)" "${cli[@]}" evaluate --run "$run" --truth "$data/host" --tier test --device "$DEVICE" >"$OUT/D-evaluate.json" 2>"$OUT/D-evaluate.err"
      say "   evaluate --tier test ($how): exit $?"
      "$PYTHON" - "$OUT/D-evaluate.json" "$((t1 - t0))" "$trc" <<'EOF' | tee -a "$S"
import json, sys
try: j = json.load(open(sys.argv[1]))
except Exception as e: print(f"   no evaluation ({e})"); sys.exit(0)
print("   %-12s %8s %8s %9s %8s" % ("mouse", "neurons", "trials", "single", "to-avg"))
for m in j.get("mice", []):
    print("   %-12s %8s %8s %9.4f %8.4f" % (m["data_key"], m["neurons"], m["trials"], m["single_trial_correlation"], m["correlation_to_average"]))
json.dump({"trainSeconds": int(sys.argv[2]), "trainExit": int(sys.argv[3]), "evaluation": j}, open(sys.argv[1].replace("D-evaluate", "D-full"), "w"), indent=1)
EOF
    fi
  fi
  assemble
fi

# --- E. A second round of B, if time is left. ---
if ! skip E && ! skip B && [ "$(left)" -ge 90 ]; then
  say ""; say "== E. second interleaved round of B"
  bench_pair E
  ratio_table
fi
assemble
say ""; say "gpu-bench: done in $(elapsed) s; results in $OUT (summary.txt, results.json, raw per step)"
rm -rf "$work"
