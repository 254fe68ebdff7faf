#!/usr/bin/env bash
# Tensor- and pipeline-parallel benchmarks of the gpt model, ranks as separate processes on 127.0.0.1
# (dev.spindle.cluster.bench.MeshBench over the TCP data plane, 1 libtorch thread per JVM), and the
# tensor-parallel step of the same math in PyTorch with gloo (bench/peer/megatron_bench.py).
#
# Usage: bench/run-mesh-bench.sh [--stages "2 4"] [--micro-batches "4 8 16"] [--schedules "gpipe 1f1b"]
#                                [--tensor "1 2"] [--steps N] [--warmup W] [--no-peer] [--out FILE]
#   --stages LIST         pipeline sizes P (default "2 4"; the model has 4 layers)
#   --micro-batches LIST  M per step (default "4 8 16"); a micro-batch is PIPE_BATCH (4) sequences of 64
#   --schedules LIST      gpipe and/or 1f1b (default both)
#   --tensor LIST         tensor-parallel sizes T (default "1 2"); a step is TENSOR_BATCH (8) sequences
#   --steps N             timed steps per measurement (default 5), after --warmup W (default 2); medians
#   --no-peer             skip the PyTorch/gloo runs
#   --out FILE            results file (default runs/mesh-bench/results-<UTC time>.md; runs/ is git-ignored)
# Every rank is its own process: P or T processes share the machine's cores. Run it on a quiet machine.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

stages_list="2 4"
micro_list="4 8 16"
schedules="gpipe 1f1b"
tensor_list="1 2"
steps=5
warmup=2
peer=1
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --stages) stages_list=${2:?--stages needs a value}; shift 2 ;;
    --micro-batches) micro_list=${2:?--micro-batches needs a value}; shift 2 ;;
    --schedules) schedules=${2:?--schedules needs a value}; shift 2 ;;
    --tensor) tensor_list=${2:?--tensor needs a value}; shift 2 ;;
    --steps) steps=${2:?--steps needs a value}; shift 2 ;;
    --warmup) warmup=${2:?--warmup needs a value}; shift 2 ;;
    --no-peer) peer=0; shift ;;
    --out) out=${2:?--out needs a value}; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "run-mesh-bench: unknown option '$1'; expected --stages, --micro-batches, --schedules, --tensor, --steps, --warmup, --no-peer, --out" >&2; exit 2 ;;
  esac
done
for value in $stages_list $micro_list $tensor_list "$steps"; do
  if ! [[ $value =~ ^[1-9][0-9]*$ ]]; then
    echo "run-mesh-bench: '$value' is not a whole number >= 1 (--stages, --micro-batches, --tensor, --steps)" >&2; exit 2
  fi
done
for value in $schedules; do
  if [[ $value != gpipe && $value != 1f1b ]]; then
    echo "run-mesh-bench: schedule '$value'; expected gpipe or 1f1b" >&2; exit 2
  fi
done
if ! [[ $warmup =~ ^[0-9]+$ ]]; then
  echo "run-mesh-bench: --warmup is '$warmup'; expected a whole number >= 0" >&2; exit 2
fi
pipe_batch=${PIPE_BATCH:-4}
tensor_batch=${TENSOR_BATCH:-8}

python=/usr/bin/python3
if [[ $peer == 1 ]]; then
  if ! "$python" -c 'import torch.distributed as d; assert d.is_gloo_available()' 2>/dev/null; then
    echo "run-mesh-bench: $python cannot import torch.distributed with gloo; install the peer with" \
         "'apt-get install -y python3-torch libopenblas0-pthread', or pass --no-peer" >&2
    exit 1
  fi
  if ! readlink -f "$(ldconfig -p | awk '/libblas.so.3 .*x86-64/ {print $NF; exit}')" | grep -q openblas; then
    echo "run-mesh-bench: libblas.so.3 is not OpenBLAS: install libopenblas0-pthread (the reference BLAS is ~15x slower)" >&2
    exit 1
  fi
fi

# shellcheck source=bench/bench-ranks.sh
source bench/bench-ranks.sh
bench_scratch mesh-bench

threads=1
# shellcheck source=bench/bench-java.sh
source bench/bench-java.sh

# run_ranks IMPL R ARGS...: starts R ranks (MeshBench with ARGS, or the gloo peer), waits for all,
# appends rank 0's JSON lines to $scratch/results.jsonl; fails with the ranks' stderr if any failed.
run_ranks() {
  local impl=$1 r=$2 port pids=() rank failed=0
  shift 2
  port=$(free_port)
  for ((rank = 0; rank < r; rank++)); do
    if [[ $impl == spindle ]]; then
      "${java_cmd[@]}" dev.spindle.cluster.bench.MeshBench --rank "$rank" --ranks "$r" \
        --peers "127.0.0.1:$port" --secret-file "$secret_file" --steps "$steps" --warmup "$warmup" "$@" \
        > "$scratch/$impl-$rank.out" 2> "$scratch/$impl-$rank.err" &
    else
      MASTER_ADDR=127.0.0.1 MASTER_PORT=$port RANK=$rank WORLD_SIZE=$r \
        "$python" bench/peer/megatron_bench.py --steps "$steps" --warmup "$warmup" "$@" \
        > "$scratch/$impl-$rank.out" 2> "$scratch/$impl-$rank.err" &
    fi
    pids+=($!)
  done
  for rank in "${!pids[@]}"; do
    if ! wait "${pids[$rank]}"; then
      echo "run-mesh-bench: $impl rank $rank of $r ($*) failed:" >&2
      cat "$scratch/$impl-$rank.err" >&2
      failed=1
    fi
  done
  [[ $failed == 0 ]] || return 1
  if ! grep '^{' "$scratch/$impl-0.out" > "$scratch/last.jsonl"; then
    echo "run-mesh-bench: $impl rank 0 printed no JSON line ($*)" >&2; return 1
  fi
  sed 's/^/  /' "$scratch/last.jsonl"
  cat "$scratch/last.jsonl" >> "$scratch/results.jsonl"
}

: > "$scratch/results.jsonl"
began=$(date +%s)
for p in $stages_list; do
  for m in $micro_list; do
    for s in $schedules; do
      echo "== pipeline P=$p M=$m $s"
      run_ranks spindle "$p" --mode pipeline --micro-batches "$m" --schedule "$s" --batch "$pipe_batch"
    done
  done
done
for t in $tensor_list; do
  echo "== tensor T=$t"
  run_ranks spindle "$t" --mode tensor --batch "$tensor_batch"
  if [[ $peer == 1 ]]; then
    run_ranks gloo "$t" --batch "$tensor_batch"
  fi
done
cp "$scratch/results.jsonl" "${out%.md}.jsonl"
{
  echo "# Tensor and pipeline parallelism, 127.0.0.1, $stamp"
  echo
  echo "Commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores;" \
       "load average at the end $(cut -d' ' -f1-3 /proc/loadavg); $(( $(date +%s) - began )) s;" \
       "steps=$steps after warmup=$warmup; pipeline micro-batch $pipe_batch x 64, tensor batch $tensor_batch x 64."
  echo
  "$python" bench/mesh_report.py "${out%.md}.jsonl"
} > "$out"
echo
cat "$out"
echo "(written to $out and ${out%.md}.jsonl)"
