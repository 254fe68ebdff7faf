#!/usr/bin/env bash
# Native memory over a long run: trains the example GPT job, shrunk so that 10,000 steps take a few
# minutes, with the Java heap capped, and samples the process's resident memory (VmRSS) against the
# step it had reached. Flat RSS after warm-up means every step frees what it made.
#
#   bench/native-memory.sh [STEPS]        (default 10000)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
steps="${1:-10000}"
work="$(mktemp -d "${TMPDIR:-/tmp}/spindle-memory.XXXXXX")"
trap 'rm -rf "$work"' EXIT

JAVA_OPTS="-Xmx128m ${JAVA_OPTS:-}" "$root/bin/spindle" train "$root/examples/gpt/job.yaml" \
  --run-dir "$work/run" --sample-tokens 0 \
  --set spec.training.steps="$steps" --set spec.training.batchSize=8 --set spec.training.threads=1 \
  --set spec.training.logInterval=1000000 --set spec.training.evalInterval=1000 \
  --set spec.model.config.layers=2 --set spec.model.config.hiddenSize=64 \
  --set spec.model.config.contextLength=32 --set spec.data.tokens.sequenceLength=32 \
  --set spec.checkpoint.everySteps=2500 >"$work/log" 2>&1 &
pid=$!

printf '%8s %10s\n' step rss_mib
last=-1
while kill -0 "$pid" 2>/dev/null; do
  rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
  step=$( (tail -n 1 "$work/run/metrics.jsonl" 2>/dev/null || true) | sed -n 's/.*"step":\([0-9]*\).*/\1/p')
  if [ -n "$step" ] && [ "$step" != "$last" ] && [ "$rss_kib" -gt 0 ]; then
    awk -v s="$step" -v k="$rss_kib" 'BEGIN { printf "%8d %10.1f\n", s, k / 1024 }'
    last=$step
  fi
  sleep 5
done
wait "$pid" || { echo "training failed:"; cat "$work/log"; exit 1; }
tail -n 3 "$work/log"
