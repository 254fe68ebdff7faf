#!/usr/bin/env bash
# LoRA against full fine-tuning: step time and optimizer-state bytes for the example GPT (hidden 128)
# and a wider one (hidden 512), 1 libtorch thread, interleaved in one JVM. Results: docs/benchmarks.md.
#   bench/run-lora-bench.sh [ROUNDS]     (default 6)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${1:-6}
threads=1
# shellcheck source=bench/bench-java.sh
source bench/bench-java.sh
for shape in "128 4" "512 8"; do
  # shellcheck disable=SC2086
  "${java_cmd[@]}" -Dorg.slf4j.simpleLogger.defaultLogLevel=error dev.spindle.bench.peft.LoraStepBench \
    $shape "$rounds" 2>&1 | grep -v " WARN "
done
