#!/usr/bin/env bash
# The CLI's option parser (CliArgs) against System.CommandLine 3.0.0 on `sensorium train`'s 19 options: the median
# milliseconds of a cold parse (a fresh process each, Main to a validated result, JIT and assembly loading included)
# and the message each gives for common mistakes. Usage: scripts/bench-cli.sh [repeats]
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-15}
dotnet build scripts/bench-cli/BenchCli.csproj -c Release -nologo -v q >/dev/null
bench=scripts/bench-cli/bin/Release/net10.0/BenchCli
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
for parser in ours scl; do
  for _ in $(seq "$repeats"); do "$bench" "$parser" --data d --out o --epochs 5 --model vit --lr 0.001 --device cpu --json; done \
    | cut -f2 | sort -n \
    | awk -v p="$parser" '{ t[NR] = $1 } END { printf "%-4s cold parse: median %.1f ms (min %.1f, max %.1f, %d runs)\n", p, t[int((NR + 1) / 2)], t[1], t[NR], NR }'
done
while IFS= read -r line; do
  echo "sensorium train $line"
  for parser in ours scl; do
    # shellcheck disable=SC2086
    "$bench" "$parser" $line | awk -F'\t' '{ printf "  %-4s %s\n", $1, $3 }'
  done
done <<'MISTAKES'
--data d --out o --epochs abc
--data d --out o --epochs 0
--data d --out o --modle sota
--data d --out o --device tpu
--out o
--data d --out o --json yes
--data d --out o --epochs 5 --epochs 6
MISTAKES
