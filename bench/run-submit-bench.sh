#!/usr/bin/env bash
# Submit benchmark: on the local kube-apiserver v1.20.2 that .ci/kube-up starts (etcd, RBAC, the Job
# controller and garbage collector of kube-controller-manager), how long `spindle submit` takes until every
# object of a job exists, until the Job controller has made its pods, and until the follower hears that the
# gang formed; and how many API requests one submit sends (the fabric8 client's request interceptor counts
# them: every HTTP request, including discovery and the checks before applying).
#
# There is no scheduler, kubelet or coordinator: the benchmark binds each pod to a node, sets it Running
# and writes the coordinator's status.json (Forming, then Running, generation 1) the moment it sees the pod,
# so "gang formed" is the launcher + API server + Job controller + watch path, without image pulls, JVM
# starts or Pekko's join. Timings are wall-clock on this machine; compare runs made on the same machine.
#
# Usage: bench/run-submit-bench.sh [--runs N] [--workers W] [--out FILE]
#   --runs N      measured runs, after one warm-up run (default 5)
#   --workers W   worker pods per job (default 2)
#   --out FILE    results table (default runs/submit-bench/results-<UTC time>.md; runs/ is git-ignored)
# Needs: .ci/kube-up (kubeconfig at $SPINDLE_TEST_KUBECONFIG, default ~/.cache/spindle/kube/run/kubeconfig).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

runs=5
workers=2
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs=${2:?--runs needs a value}; shift 2 ;;
    --workers) workers=${2:?--workers needs a value}; shift 2 ;;
    --out) out=${2:?--out needs a value}; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "run-submit-bench: unknown option '$1'; expected --runs N, --workers W, --out FILE" >&2; exit 2 ;;
  esac
done
for pair in "runs:$runs" "workers:$workers"; do
  if ! [[ ${pair#*:} =~ ^[1-9][0-9]*$ ]]; then
    echo "run-submit-bench: --${pair%%:*} is '${pair#*:}'; expected a whole number >= 1" >&2; exit 2
  fi
done
export SPINDLE_TEST_KUBECONFIG=${SPINDLE_TEST_KUBECONFIG:-$HOME/.cache/spindle/kube/run/kubeconfig}
if [[ ! -f $SPINDLE_TEST_KUBECONFIG ]]; then
  echo "run-submit-bench: no local kube-apiserver ($SPINDLE_TEST_KUBECONFIG is missing); start one with .ci/kube-up" >&2
  exit 2
fi
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=${out:-runs/submit-bench/results-$stamp.md}
mkdir -p "$(dirname "$out")"

# The benchmark is a main class beside the launcher's tests (it shares their stand-ins for kubelet and
# coordinator); the classpath is cached and redone when a pom changes.
classpath_file=launcher/target/test-classpath.txt
echo "== building the launcher and its test classes"
mvn -B -q -o -pl launcher -am install -DskipTests
if [[ ! -s $classpath_file || pom.xml -nt $classpath_file || launcher/pom.xml -nt $classpath_file ]]; then
  mvn -B -q -o -pl launcher dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt
fi
mvn -B -q -o -pl launcher test-compile
cp="launcher/target/test-classes:launcher/target/classes:$(cat "$classpath_file")"

echo "== $runs runs (+1 warm-up), $workers workers per job, against $(grep -m1 'server:' "$SPINDLE_TEST_KUBECONFIG" | awk '{print $2}')"
java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" dev.spindle.launcher.kube.SubmitBench \
  --runs "$runs" --workers "$workers" --out "$out"
{
  echo
  echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))," \
    "$(free -g | awk '/Mem:/{print $2}') GiB, kube-apiserver $("${SPINDLE_TEST_KUBECTL:-$HOME/.cache/spindle/kube/bin/kubectl}" \
    --kubeconfig "$SPINDLE_TEST_KUBECONFIG" version --short 2>/dev/null | awk '/Server/{print $3}')."
} >> "$out"
echo "== results: $out"
