#!/usr/bin/env bash
# Data-plane all-reduce benchmark: Spindle's TcpCollectives (ring over NIO, one JVM per rank) vs
# torch.distributed gloo (one Python process per rank), same sizes, same timing rule, on 127.0.0.1.
#
# Usage: bench/run-allreduce-bench.sh [--ranks "2 4"] [--mb "1 16 64"] [--iterations K] [--warmup W] [--out FILE]
#   --ranks LIST    group sizes to run (default "2 4")
#   --mb LIST       all-reduce sizes in MiB of float32 (default "1 16 64")
#   --iterations K  timed all-reduces per measurement (default 20); the median is reported
#   --warmup W      untimed all-reduces first (default 3)
#   --out FILE      results file (default runs/allreduce-bench/results-<UTC time>.md; runs/ is git-ignored)
# Each rank prints nothing but rank 0's JSON line ({"impl":..,"ranks":..,"bytes":..,"seconds":..,
# "busBandwidthMBps":..}); bus bandwidth = bytes / median time * 2(R-1)/R / 10^6.
# Run it on a quiet machine: R processes share the cores, so other work skews the numbers.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

ranks_list="2 4"
mb_list="1 16 64"
iterations=20
warmup=3
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --ranks) ranks_list=${2:?--ranks needs a value}; shift 2 ;;
    --mb) mb_list=${2:?--mb needs a value}; shift 2 ;;
    --iterations) iterations=${2:?--iterations needs a value}; shift 2 ;;
    --warmup) warmup=${2:?--warmup needs a value}; shift 2 ;;
    --out) out=${2:?--out needs a value}; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "run-allreduce-bench: unknown option '$1'; expected --ranks LIST, --mb LIST, --iterations K, --warmup W, --out FILE" >&2; exit 2 ;;
  esac
done
for value in $ranks_list $mb_list "$iterations"; do
  if ! [[ $value =~ ^[1-9][0-9]*$ ]]; then
    echo "run-allreduce-bench: '$value' is not a whole number >= 1 (--ranks, --mb, --iterations)" >&2; exit 2
  fi
done
if ! [[ $warmup =~ ^[0-9]+$ ]]; then
  echo "run-allreduce-bench: --warmup is '$warmup'; expected a whole number >= 0" >&2; exit 2
fi

python=/usr/bin/python3
if ! "$python" -c 'import torch.distributed as d; assert d.is_gloo_available()' 2>/dev/null; then
  echo "run-allreduce-bench: $python cannot import torch.distributed with gloo; install the peer with" \
       "'apt-get install -y python3-torch'" >&2
  exit 1
fi

# shellcheck source=bench/bench-ranks.sh
source bench/bench-ranks.sh
bench_scratch allreduce-bench

threads=1
# shellcheck source=bench/bench-java.sh
source bench/bench-java.sh

# Starts R ranks with "$@" as the command of each (RANK and the rank arguments added by the caller's
# function), waits for all, prints rank 0's JSON line; fails with the ranks' stderr if any rank failed.
run_ranks() {
  local impl=$1 r=$2 mb=$3 port pids=() rank failed=0
  port=$(free_port)
  for ((rank = 0; rank < r; rank++)); do
    if [[ $impl == spindle ]]; then
      "${java_cmd[@]}" dev.spindle.cluster.bench.AllReduceBench --rank "$rank" --ranks "$r" --mb "$mb" \
        --peers "127.0.0.1:$port" --secret-file "$secret_file" --iterations "$iterations" --warmup "$warmup" \
        > "$scratch/$impl-$rank.out" 2> "$scratch/$impl-$rank.err" &
    else
      MASTER_ADDR=127.0.0.1 MASTER_PORT=$port RANK=$rank WORLD_SIZE=$r \
        "$python" bench/peer/allreduce_bench.py --mb "$mb" --iterations "$iterations" --warmup "$warmup" \
        > "$scratch/$impl-$rank.out" 2> "$scratch/$impl-$rank.err" &
    fi
    pids+=($!)
  done
  for rank in "${!pids[@]}"; do
    if ! wait "${pids[$rank]}"; then
      echo "run-allreduce-bench: $impl rank $rank of $r (--mb $mb) failed:" >&2
      cat "$scratch/$impl-$rank.err" >&2
      failed=1
    fi
  done
  [[ $failed == 0 ]] || return 1
  local line
  line=$(grep '^{' "$scratch/$impl-0.out" | tail -1)
  if [[ -z $line ]]; then
    echo "run-allreduce-bench: $impl rank 0 printed no JSON line" >&2; return 1
  fi
  echo "  $line" >&2
  echo "$line"
}

field() {
  sed -E "s/.*\"$2\":([0-9.]+).*/\1/" <<<"$1"
}

{
  echo "# All-reduce bus bandwidth, 127.0.0.1, $(nproc) cores, $stamp"
  echo
  echo "Median of $iterations all-reduces after $warmup warm-up; bus bandwidth = bytes / time * 2(R-1)/R."
  echo
  echo "| ranks | MiB | spindle ms | spindle MB/s | gloo ms | gloo MB/s | spindle/gloo |"
  echo "|------:|----:|-----------:|-------------:|--------:|----------:|-------------:|"
} > "$out"
for r in $ranks_list; do
  for mb in $mb_list; do
    echo "== ranks $r, $mb MiB"
    spindle=$(run_ranks spindle "$r" "$mb")
    gloo=$(run_ranks gloo "$r" "$mb")
    awk -v r="$r" -v mb="$mb" -v st="$(field "$spindle" seconds)" -v sb="$(field "$spindle" busBandwidthMBps)" \
        -v gt="$(field "$gloo" seconds)" -v gb="$(field "$gloo" busBandwidthMBps)" \
        'BEGIN { printf "| %d | %d | %.2f | %.0f | %.2f | %.0f | %.2f |\n", r, mb, st * 1000, sb, gt * 1000, gb, sb / gb }' \
        >> "$out"
  done
done
echo
cat "$out"
echo "(written to $out)"
