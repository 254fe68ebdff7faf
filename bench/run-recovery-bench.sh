#!/usr/bin/env bash
# Recovery benchmark: how long `spindle train --workers R` takes to train again after `kill -9` of one
# worker. One run of bench/jobs/recovery-mlp.yaml (a small MLP); K times: wait until the current
# generation has logged S steps, kill -9 one of its workers (rank i mod R, pid from
# <run>/workers/<id>.pid), and read metrics.jsonl / events.jsonl until a later generation logs a step.
#
# Usage: bench/run-recovery-bench.sh [--workers R] [--kills K] [--settle S] [--checkpoint-every C]
#                                    [--timeout T] [--scratch DIR] [--out FILE]
#   --workers R           workers (default 2; 2 or 3 fit a 2-core machine)
#   --kills K             kills, one after another in the same run (default 3); maxRestarts is set to K
#   --settle S            steps a generation logs before its worker is killed (default 25); the kill also
#                         waits for a checkpoint committed by that generation, so recovery restores one
#   --checkpoint-every C  spec.checkpoint.everySteps (default 20): the new generation restores the newest
#                         committed checkpoint, so up to C steps are trained again
#   --timeout T           seconds to wait for the job to train again after a kill (default 240)
#   --scratch DIR         where data, the run directory and the launcher's log go (default: a new temp dir)
#   --out FILE            results file (default runs/recovery-bench/results-<UTC time>.md; runs/ is git-ignored)
#
# Per kill it reports, in seconds after the kill (the shell's clock just before kill -9; the run logs'
# "time" stamps come from the same clock): worker-exited and member-downed (the coordinator noticing),
# worker-registered (the replacement JVM joined and registered), generation-started (the new
# generation's assignments went out), and recovery = the first metrics.jsonl line of the new
# generation (every rank restored the checkpoint and finished one step). The summary is the median.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

workers=2
kills=3
settle=25
every=20
timeout=240
scratch=""
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --workers) workers=${2:?--workers needs a value}; shift 2 ;;
    --kills) kills=${2:?--kills needs a value}; shift 2 ;;
    --settle) settle=${2:?--settle needs a value}; shift 2 ;;
    --checkpoint-every) every=${2:?--checkpoint-every needs a value}; shift 2 ;;
    --timeout) timeout=${2:?--timeout needs a value}; shift 2 ;;
    --scratch) scratch=${2:?--scratch needs a value}; shift 2 ;;
    --out) out=${2:?--out needs a value}; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "run-recovery-bench: unknown option '$1'; expected --workers R, --kills K, --settle S, --checkpoint-every C, --timeout T, --scratch DIR, --out FILE" >&2; exit 2 ;;
  esac
done
for pair in "workers:$workers" "kills:$kills" "settle:$settle" "checkpoint-every:$every" "timeout:$timeout"; do
  if ! [[ ${pair#*:} =~ ^[1-9][0-9]*$ ]]; then
    echo "run-recovery-bench: --${pair%%:*} is '${pair#*:}'; expected a whole number >= 1" >&2; exit 2
  fi
done
if ((workers < 2)); then
  echo "run-recovery-bench: --workers is $workers; killing one of them needs at least 2" >&2; exit 2
fi
python=/usr/bin/python3
stamp=$(date -u +%Y%m%dT%H%M%SZ)
scratch=${scratch:-$(mktemp -d "${TMPDIR:-/tmp}/spindle-recovery-bench.XXXXXX")}
mkdir -p "$scratch"; scratch=$(cd "$scratch" && pwd)
out=${out:-runs/recovery-bench/results-$stamp.md}
mkdir -p "$(dirname "$out")"
echo "== scratch directory (data, run directory, launcher log): $scratch"

threads=1
# shellcheck source=bench/bench-java.sh
source bench/bench-java.sh
echo "== building the launcher if stale"
bin/spindle --help > /dev/null 2>&1 || true
export SPINDLE_SKIP_BUILD=1

data=$scratch/data-mlp
[[ -e $data ]] || "${java_cmd[@]}" dev.spindle.data.prepare.SyntheticTabularDataset --out "$data" --rows 25600
run_dir=$scratch/run
log=$scratch/spindle.log
rm -rf "$run_dir"
metrics=$run_dir/metrics.jsonl
events=$run_dir/events.jsonl

launcher=""
cleanup() {
  if [[ -n $launcher ]] && kill -0 "$launcher" 2>/dev/null; then
    kill -TERM "$launcher" 2>/dev/null || true
  fi
}
trap cleanup EXIT

echo "== starting: bin/spindle train bench/jobs/recovery-mlp.yaml --workers $workers (log: $log)"
bin/spindle train bench/jobs/recovery-mlp.yaml --workers "$workers" --run-dir "$run_dir" --sample-tokens 0 \
  --set "spec.data.uri=$data" --set "spec.parallelism.data=$workers" --set "spec.elastic.maxRestarts=$kills" \
  --set "spec.checkpoint.everySteps=$every" --set "spec.training.threads=$threads" > "$log" 2>&1 &
launcher=$!

alive() {
  kill -0 "$launcher" 2>/dev/null || { echo "run-recovery-bench: the launcher exited; its log ($log):" >&2; tail -30 "$log" >&2; exit 1; }
}

# Lines of metrics.jsonl with generation $1.
steps_in() {
  [[ -f $metrics ]] || { echo 0; return; }
  grep -c "\"generation\":$1," "$metrics" || true
}

# Waits until generation $1 has logged $2 steps, or fails after $timeout s.
wait_steps() {
  local deadline=$((SECONDS + timeout))
  until (( $(steps_in "$1") >= $2 )); do
    alive
    ((SECONDS < deadline)) || { echo "run-recovery-bench: generation $1 logged fewer than $2 steps in ${timeout}s; log: $log" >&2; exit 1; }
    sleep 0.1
  done
}

# Waits until generation $1 has committed a checkpoint, or fails after $timeout s.
wait_checkpoint() {
  local deadline=$((SECONDS + timeout))
  until grep -q "\"event\":\"checkpoint-committed\",\"generation\":$1," "$events" 2>/dev/null; do
    alive
    ((SECONDS < deadline)) || { echo "run-recovery-bench: generation $1 committed no checkpoint in ${timeout}s; log: $log" >&2; exit 1; }
    sleep 0.1
  done
}

# The id of the worker holding rank $2 in generation $1, from the assignment events.
worker_of() {
  grep "\"event\":\"assignment\",\"generation\":$1,\"rank\":$2," "$events" | tail -1 | sed -E 's/.*"workerId":"([^"]+)".*/\1/'
}

generation=1
results=()
for ((i = 1; i <= kills; i++)); do
  wait_steps "$generation" "$settle"
  wait_checkpoint "$generation"
  rank=$(((i - 1) % workers))
  victim=$(worker_of "$generation" "$rank")
  pid_file=$run_dir/workers/$victim.pid
  [[ -n $victim && -s $pid_file ]] || { echo "run-recovery-bench: no pid file for rank $rank of generation $generation ($pid_file)" >&2; exit 1; }
  pid=$(cat "$pid_file")
  kill_time=$(date +%s.%N)
  kill -9 "$pid"
  echo "== kill $i/$kills: kill -9 $pid (worker $victim, rank $rank of generation $generation) at $(date -u -d "@$kill_time" +%H:%M:%S.%N | cut -c1-12)"
  deadline=$((SECONDS + timeout))
  while ! grep -q "\"generation\":$((generation + 1))," "$metrics" 2>/dev/null \
      && ! grep -Eq "\"generation\":($((generation + 2))|$((generation + 3)))," "$metrics" 2>/dev/null; do
    alive
    ((SECONDS < deadline)) || { echo "run-recovery-bench: no step of a new generation ${timeout}s after the kill; log: $log" >&2; exit 1; }
    sleep 0.1
  done
  line=$("$python" bench/spindle_runlog.py recovery "$run_dir" --kill-time "$kill_time" --generation "$generation")
  line=${line%\}}", \"victim\": \"$victim\", \"rank\": $rank}"
  echo "   $line"
  results+=("$line")
  generation=$(sed -E 's/.*"newGeneration": ([0-9]+).*/\1/' <<<"$line")
  [[ $generation =~ ^[0-9]+$ ]] || { echo "run-recovery-bench: could not tell the new generation from $line" >&2; exit 1; }
done
wait_steps "$generation" 3
echo "== stopping the job (SIGTERM to the launcher, which stops the workers at a common step)"
kill -TERM "$launcher"
for ((w = 0; w < 600; w++)); do kill -0 "$launcher" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$launcher" 2>/dev/null; then
  echo "run-recovery-bench: the launcher did not stop within 60 s of SIGTERM; killing it" >&2
  kill -9 "$launcher" || true
fi
wait "$launcher" 2>/dev/null || true
launcher=""

get() {
  sed -E "s/.*\"$2\": ([-0-9.]+|null|\"[^\"]*\").*/\1/" <<<"$1" | tr -d '"'
}
median() {
  grep -v null | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
{
  echo "# Recovery after kill -9 of one worker"
  echo
  echo "$(date -u +'%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown); $cpu, $(nproc) cores,"
  echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg); bench/jobs/recovery-mlp.yaml, $workers workers x $threads thread,"
  echo "checkpoint every $every steps, kill after $settle steps of a generation. Seconds after the kill."
  echo
  echo "| kill | victim (rank) | generation -> new | last step logged | restored step | exited | downed | replacement registered | generation started | first step (recovery) |"
  echo "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|"
  n=0
  for line in "${results[@]}"; do
    n=$((n + 1))
    echo "| $n | $(get "$line" victim) ($(get "$line" rank)) | $(get "$line" generation) -> $(get "$line" newGeneration) | $(get "$line" lastStepBefore) | $(get "$line" restoreStep) | $(get "$line" exitedSeconds) | $(get "$line" downedSeconds) | $(get "$line" registeredSeconds) | $(get "$line" generationStartedSeconds) | $(get "$line" recoverySeconds) |"
  done
  med() { for line in "${results[@]}"; do get "$line" "$1"; done | median; }
  echo "| median | | | | | $(med exitedSeconds) | $(med downedSeconds) | $(med registeredSeconds) | $(med generationStartedSeconds) | $(med recoverySeconds) |"
  echo
  echo "Raw lines:"
  echo
  printf '    %s\n' "${results[@]}"
} > "$out"
echo
cat "$out"
echo "(written to $out; run directory and launcher log in $scratch)"
