#!/usr/bin/env bash
# Data-parallel training throughput: `spindle train --workers R` vs PyTorch DDP with gloo
# (bench/peer/ddp_bench.py, R processes), same model, global batch, AdamW settings and threads per rank.
#
# Usage: bench/run-ddp-bench.sh [--workers R] [--threads N] [--models "mlp gpt"] [--repeat K] [--scratch DIR] [--out FILE]
#   --workers R   ranks for both (default 2)
#   --threads N   intra-op threads per rank for both (default 1)
#   --models LIST which models (default "mlp gpt"; bench/jobs/mlp.yaml and bench/jobs/gpt.yaml, the latter
#                 being examples/gpt/job.yaml's model)
#   --repeat K    measure each implementation K times, alternating which goes first; a cell is the median
#                 of the K results (default 3)
#   --scratch DIR where generated data and Spindle run directories go (default: a new temp dir)
#   --out FILE    results file (default runs/ddp-bench/results-<UTC time>.md; runs/ is git-ignored)
# Environment: MLP_WARMUP (20), MLP_STEPS (200), GPT_WARMUP (5), GPT_STEPS (40): untimed then timed steps.
#
# Throughput = global batch / median step period after warm-up, for both. Spindle's step period is the
# difference of consecutive metrics.jsonl "time" stamps (written by the coordinator when every rank has
# reported the step); DDP's is the difference of consecutive step-end times on rank 0. The Spindle
# column "reported" is the median of metrics.jsonl's own samplesPerSec field, for reference.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

workers=2
threads=1
models="mlp gpt"
repeat=3
scratch=""
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --workers) workers=${2:?--workers needs a value}; shift 2 ;;
    --threads) threads=${2:?--threads needs a value}; shift 2 ;;
    --models) models=${2:?--models needs a value}; shift 2 ;;
    --repeat) repeat=${2:?--repeat needs a value}; shift 2 ;;
    --scratch) scratch=${2:?--scratch needs a value}; shift 2 ;;
    --out) out=${2:?--out needs a value}; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "run-ddp-bench: unknown option '$1'; expected --workers R, --threads N, --models LIST, --repeat K, --scratch DIR, --out FILE" >&2; exit 2 ;;
  esac
done
for pair in "workers:$workers" "threads:$threads" "repeat:$repeat"; do
  if ! [[ ${pair#*:} =~ ^[1-9][0-9]*$ ]]; then
    echo "run-ddp-bench: --${pair%%:*} is '${pair#*:}'; expected a whole number >= 1" >&2; exit 2
  fi
done
for model in $models; do
  [[ $model == mlp || $model == gpt ]] || { echo "run-ddp-bench: unknown model '$model'; expected mlp or gpt" >&2; exit 2; }
done
mlp_warmup=${MLP_WARMUP:-20}; mlp_steps=${MLP_STEPS:-200}
gpt_warmup=${GPT_WARMUP:-5};  gpt_steps=${GPT_STEPS:-40}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
scratch=${scratch:-$(mktemp -d "${TMPDIR:-/tmp}/spindle-ddp-bench.XXXXXX")}
scratch=$(cd "$scratch" 2>/dev/null && pwd || { mkdir -p "$scratch" && cd "$scratch" && pwd; })
out=${out:-runs/ddp-bench/results-$stamp.md}
mkdir -p "$(dirname "$out")"
echo "== scratch directory (generated data, Spindle run dirs, logs): $scratch"

python=/usr/bin/python3
if ! "$python" -c 'import torch.distributed as d; assert d.is_gloo_available()' 2>/dev/null; then
  echo "run-ddp-bench: $python cannot import torch.distributed with gloo; install the peer with" \
       "'apt-get install -y python3-torch libopenblas0-pthread'" >&2
  exit 1
fi
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
if [[ $blas != *openblas* ]]; then
  echo "run-ddp-bench: libblas.so.3 is '$blas', not OpenBLAS: Debian's torch would run ~15x slow;" \
       "install libopenblas0-pthread" >&2
  exit 1
fi
if [[ ! -x bin/spindle ]]; then
  echo "run-ddp-bench: bin/spindle is missing" >&2; exit 1
fi

# shellcheck source=bench/bench-java.sh
source bench/bench-java.sh

free_port() {
  "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

field() {
  sed -E "s/.*\"$2\": ?([0-9.]+).*/\1/" <<<"$1"
}

run_no=0  # numbers each measurement's files; incremented by the caller (the measure_* run in $(...) subshells)
# One Spindle measurement: prints the JSON line of spindle_runlog.py throughput.
measure_spindle() {
  local model=$1 warmup=$2 steps=$3 run_dir log line
  run_dir=$scratch/run-$model-$run_no
  log=$scratch/spindle-$model-$run_no.log
  rm -rf "$run_dir"  # a reused --scratch must not hand this run an old checkpoint
  # checkpoint.everySteps 0 (the bench jobs' setting): only the final checkpoint, after the last timed step.
  if ! "$spindle_cmd" train "bench/jobs/$model.yaml" --workers "$workers" --run-dir "$run_dir" \
      --set "spec.data.uri=$uri" --set "spec.training.steps=$((warmup + steps + 1))" \
      --set "spec.training.threads=$threads" --set spec.checkpoint.everySteps=0 \
      --sample-tokens 0 > "$log" 2>&1; then
    echo "run-ddp-bench: spindle train ($model, $workers workers) failed; its output ($log):" >&2
    tail -40 "$log" >&2
    return 1
  fi
  line=$("$python" bench/spindle_runlog.py throughput "$run_dir" --warmup "$warmup")
  echo "  $line" >&2
  echo "$line"
}

# One DDP measurement: R ranks, prints rank 0's JSON line.
measure_ddp() {
  local model=$1 warmup=$2 steps=$3 port pids=() rank failed=0 line
  port=$(free_port)
  for ((rank = 0; rank < workers; rank++)); do
    MASTER_ADDR=127.0.0.1 MASTER_PORT=$port RANK=$rank WORLD_SIZE=$workers \
      "$python" bench/peer/ddp_bench.py --model "$model" --threads "$threads" --global-batch "$batch" \
      --warmup "$warmup" --steps "$steps" > "$scratch/ddp-$model-$run_no-$rank.out" 2> "$scratch/ddp-$model-$run_no-$rank.err" &
    pids+=($!)
  done
  for rank in "${!pids[@]}"; do
    if ! wait "${pids[$rank]}"; then
      echo "run-ddp-bench: ddp rank $rank ($model) failed:" >&2
      cat "$scratch/ddp-$model-$run_no-$rank.err" >&2
      failed=1
    fi
  done
  [[ $failed == 0 ]] || return 1
  line=$(grep '^{' "$scratch/ddp-$model-$run_no-0.out" | tail -1)
  [[ -n $line ]] || { echo "run-ddp-bench: ddp rank 0 printed no JSON line" >&2; return 1; }
  echo "  $line" >&2
  echo "$line"
}

spindle_cmd=bin/spindle
echo "== building the launcher if stale"
"$spindle_cmd" --help > /dev/null 2>&1 || true
export SPINDLE_SKIP_BUILD=1

rows=()
details=()
notes=()
for model in $models; do
  if [[ $model == mlp ]]; then warmup=$mlp_warmup; steps=$mlp_steps; batch=256
  else warmup=$gpt_warmup; steps=$gpt_steps; batch=32; fi
  total=$((warmup + steps + 1))
  echo "== $model: $workers ranks x $threads thread(s), global batch $batch, $warmup warm-up + $steps timed steps, $repeat repeat(s)"
  data=$scratch/data-$model
  if [[ ! -e $data ]]; then
    if [[ $model == mlp ]]; then
      "${java_cmd[@]}" dev.spindle.data.prepare.SyntheticTabularDataset --out "$data" --rows $((total * batch))
    else
      "$spindle_cmd" data prepare /usr/share/common-licenses --out "$data" > "$scratch/prepare-gpt.log" 2>&1
    fi
  fi
  uri=$data; [[ $model == gpt ]] && uri=$data/train
  sp=(); rep=(); dd=()
  for ((r = 0; r < repeat; r++)); do
    order=(spindle ddp); ((r % 2 == 1)) && order=(ddp spindle)
    for impl in "${order[@]}"; do
      run_no=$((run_no + 1))
      if [[ $impl == spindle ]]; then
        line=$(measure_spindle "$model" "$warmup" "$steps")
        sp+=("$(field "$line" samplesPerSecond)"); rep+=("$(field "$line" reportedSamplesPerSecond)")
        details+=("$model spindle: $line")
        gen=$(field "$line" generation)
        if [[ $gen != 1 ]]; then  # the job regrouped mid-run (no kill here): say so next to the numbers
          notes+=("$model: Spindle run $scratch/run-$model-$run_no went through $gen generations without any kill (see its events.jsonl); its steps were measured in the longest generation")
        fi
      else
        line=$(measure_ddp "$model" "$warmup" "$steps")
        dd+=("$(field "$line" samplesPerSecond)")
        details+=("$model ddp: $line")
      fi
    done
  done
  s=$(printf '%s\n' "${sp[@]}" | median); p=$(printf '%s\n' "${rep[@]}" | median); d=$(printf '%s\n' "${dd[@]}" | median)
  rows+=("$(awk -v m="$model" -v b="$batch" -v s="$s" -v p="$p" -v d="$d" -v si="$(IFS=,; echo "${sp[*]}")" -v di="$(IFS=,; echo "${dd[*]}")" \
    'BEGIN { printf "| %s | %d | %.0f | %.0f | %.0f | %.2f | %s | %s |", m, b, s, p, d, s / d, si, di }')")
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
{
  echo "# Data-parallel throughput: Spindle vs PyTorch DDP (gloo)"
  echo
  echo "$(date -u +'%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown); $cpu, $(nproc) cores,"
  echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg); $workers ranks x $threads thread(s); repeat=$repeat;"
  lengths=()
  [[ " $models " == *" mlp "* ]] && lengths+=("mlp ${mlp_warmup}+${mlp_steps}")
  [[ " $models " == *" gpt "* ]] && lengths+=("gpt ${gpt_warmup}+${gpt_steps}")
  echo "steps (warm-up + timed): $(IFS=,; echo "${lengths[*]}" | sed 's/,/, /g')."
  echo
  echo "samples/s = global batch / median step period after warm-up (Spindle: consecutive metrics.jsonl time stamps;"
  echo "DDP: consecutive step ends on rank 0). \"reported\" = median of metrics.jsonl samplesPerSec. Cells: median of the repeats."
  echo
  echo "| model | global batch | Spindle samples/s | Spindle reported | DDP samples/s | Spindle / DDP | Spindle runs | DDP runs |"
  echo "|---|---:|---:|---:|---:|---:|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  if ((${#notes[@]})); then printf 'Note: %s\n\n' "${notes[@]}"; fi
  echo "Raw lines:"
  echo
  printf '    %s\n' "${details[@]}"
} > "$out"
echo
cat "$out"
echo "(written to $out; logs and run directories in $scratch)"
