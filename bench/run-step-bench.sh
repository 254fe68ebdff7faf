#!/usr/bin/env bash
# Step-time benchmark: Spindle vs a bare DJL loop vs PyTorch eager, same models, batch, AdamW
# settings and thread count, in one run. Method and results: docs/benchmarks.md.
#
# Usage: bench/run-step-bench.sh [--threads N] [--rounds R] [--repeat K] [--scratch DIR] [--out FILE]
#   --threads N   intra-op threads for every implementation (default 1)
#   --rounds R    timed rounds per measurement (default 5); a round is MLP_STEPS or GPT_STEPS steps
#   --repeat K    measure each implementation K times, alternating which goes first, and report the
#                 median of the K medians (default 3): on a shared machine the load drifts between runs
#   --scratch DIR where generated data and Spindle run directories go (default: a new temp dir)
#   --out FILE    results file (default runs/step-bench/results-<UTC time>.md; runs/ is git-ignored)
# Environment: MLP_WARMUP (10), MLP_STEPS (20), GPT_WARMUP (3), GPT_STEPS (5) tune the run length.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

threads=1
rounds=5
repeat=3
scratch=""
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --threads) threads=${2:?--threads needs a value}; shift 2 ;;
    --rounds) rounds=${2:?--rounds needs a value}; shift 2 ;;
    --repeat) repeat=${2:?--repeat needs a value}; shift 2 ;;
    --scratch) scratch=${2:?--scratch needs a value}; shift 2 ;;
    --out) out=${2:?--out needs a value}; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "run-step-bench: unknown option '$1'; expected --threads N, --rounds R, --repeat K, --scratch DIR, --out FILE" >&2; exit 2 ;;
  esac
done
for pair in "threads:$threads" "rounds:$rounds" "repeat:$repeat"; do
  if ! [[ ${pair#*:} =~ ^[1-9][0-9]*$ ]]; then
    echo "run-step-bench: --${pair%%:*} is '${pair#*:}'; expected a whole number >= 1" >&2; exit 2
  fi
done
mlp_warmup=${MLP_WARMUP:-10}; mlp_steps=${MLP_STEPS:-20}
gpt_warmup=${GPT_WARMUP:-3};  gpt_steps=${GPT_STEPS:-5}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
scratch=${scratch:-$(mktemp -d "${TMPDIR:-/tmp}/spindle-step-bench.XXXXXX")}
out=${out:-runs/step-bench/results-$stamp.md}
mkdir -p "$scratch" "$(dirname "$out")"
echo "== scratch directory (generated data, Spindle run dirs): $scratch"

python=/usr/bin/python3
if ! "$python" -c 'import torch' 2>/dev/null; then
  echo "run-step-bench: $python cannot import torch; install the peer with" \
       "'apt-get install -y python3-torch libopenblas0-pthread'" >&2
  exit 1
fi
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
if [[ $blas != *openblas* ]]; then
  echo "run-step-bench: libblas.so.3 is '$blas', not OpenBLAS: Debian's torch would run ~15x slow;" \
       "install libopenblas0-pthread" >&2
  exit 1
fi

# shellcheck source=bench/bench-java.sh
source bench/bench-java.sh

# Pulls median_ms out of a RESULT line; fails loudly if the tool printed none.
median_of() {
  local line
  line=$(grep '^RESULT ' <<<"$1" | tail -1)
  if [[ -z $line ]]; then
    echo "run-step-bench: $2 printed no RESULT line; its output was:" >&2
    echo "$1" >&2
    return 1
  fi
  echo "  $line" >&2
  sed -E 's/.* median_ms=([0-9.]+).*/\1/' <<<"$line"
}

# Median of the numbers on stdin, one a line.
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

spindle=bin/spindle
spindle_ready=0
if [[ -x $spindle ]]; then
  spindle_ready=1
else
  echo "== Spindle launcher not built ($spindle is missing): the Spindle column stays pending"
fi

# One measurement of one implementation; prints its median ms/step.
measure() {
  local impl=$1 model=$2 warmup=$3 steps=$4 main=$5 run_dir output
  case "$impl" in
    spindle)
      run_dir=$scratch/run-$model
      rm -rf "$run_dir"
      "$spindle" train "bench/jobs/$model.yaml" --run-dir "$run_dir" --set "spec.data.uri=$uri" \
        --set "spec.training.steps=$((warmup + rounds * steps))" --set "spec.training.threads=$threads" >&2
      output=$("${java_cmd[@]}" dev.spindle.bench.report.MetricsSummary "$run_dir/metrics.jsonl" "$warmup")
      echo "  RESULT impl=spindle model=$model threads=$threads median_ms=$output" >&2
      echo "$output" ;;
    djl)
      output=$("${java_cmd[@]}" "$main" --warmup "$warmup" --rounds "$rounds" --steps "$steps" 2>&1)
      median_of "$output" "$main" ;;
    torch)
      output=$("$python" bench/peer/step_bench.py --model "$model" --threads "$threads" \
        --warmup "$warmup" --rounds "$rounds" --steps "$steps" 2>&1)
      median_of "$output" bench/peer/step_bench.py ;;
  esac
}

rows=()
for model in mlp gpt; do
  if [[ $model == mlp ]]; then warmup=$mlp_warmup; steps=$mlp_steps; main=dev.spindle.bench.bare.BareMlp
  else warmup=$gpt_warmup; steps=$gpt_steps; main=dev.spindle.bench.bare.BareGpt; fi
  total=$((warmup + rounds * steps))
  echo "== $model: $warmup warm-up steps, then $rounds rounds of $steps steps, $threads thread(s), $repeat repeat(s)"

  impls=(djl torch)
  if [[ $spindle_ready == 1 ]]; then
    impls=(spindle djl torch)
    data=$scratch/data-$model
    if [[ $model == mlp ]]; then
      "${java_cmd[@]}" dev.spindle.data.prepare.SyntheticTabularDataset --out "$data" --rows $((total * 256))
      uri=$data
    else
      "$spindle" data prepare /usr/share/common-licenses --out "$data"
      uri=$data/train
    fi
  fi
  declare -A times=([spindle]="" [djl]="" [torch]="")
  for ((r = 0; r < repeat; r++)); do
    order=("${impls[@]}")
    if ((r % 2 == 1)); then  # reversed on odd repeats, so no implementation always runs after the same one
      order=(); for ((i = ${#impls[@]} - 1; i >= 0; i--)); do order+=("${impls[$i]}"); done
    fi
    for impl in "${order[@]}"; do
      times[$impl]+="$(measure "$impl" "$model" "$warmup" "$steps" "$main")"$'\n'
    done
  done
  spindle_ms=pending
  if [[ $spindle_ready == 1 ]]; then spindle_ms=$(median <<<"${times[spindle]%$'\n'}"); fi
  rows+=(--row "$model,$spindle_ms,$(median <<<"${times[djl]%$'\n'}"),$(median <<<"${times[torch]%$'\n'}")")
  unset times
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
note="Step-time benchmark, $(date -u +'%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown);"
note+=" $cpu, $(nproc) cores, load average at the end $(cut -d' ' -f1-3 /proc/loadavg); threads=$threads, rounds=$rounds, repeat=$repeat;"
note+=" mlp ${mlp_warmup}+${rounds}x${mlp_steps} steps, gpt ${gpt_warmup}+${rounds}x${gpt_steps} steps; each cell is the median over the repeats of the median ms/step after warm-up."
echo
"${java_cmd[@]}" dev.spindle.bench.report.ResultsTable --out "$out" --note "$note" "${rows[@]}"
echo
echo "results written to $out"
rmdir "$scratch" 2>/dev/null || true  # only when nothing was generated (no launcher yet)
