#!/usr/bin/env bash
# Data-wait benchmark: trains examples/gpt with its dataset on the local disk, then the same job with the
# dataset on Azurite over ABFS, and prints the trainer's data-wait time per step (metrics.jsonl
# dataWaitMillis) against the step time, after a warm-up. Needs Azurite on 127.0.0.1:10000 (.ci/run
# starts one; or node_modules/.bin/azurite-blob --blobHost 127.0.0.1 --blobPort 10000 --inMemoryPersistence).
# Usage: [SCRATCH=DIR] bench/abfs/data-wait.sh [STEPS] [WARMUP]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
steps="${1:-150}"
warmup="${2:-10}"
# SCRATCH=DIR reuses a folder whose local run is done (it is the slow half on a busy machine).
scratch="${SCRATCH:-$(mktemp -d "${TMPDIR:-/tmp}/spindle-abfs-bench.XXXXXX")}"
common=(--set "spec.training.steps=$steps" --set spec.checkpoint.everySteps=0 --set spec.training.evalInterval=0
        --sample-tokens 0)

[ -f "$scratch/local/metrics.jsonl" ] || "$root/bin/spindle" train "$root/examples/gpt/job.yaml" --run-dir "$scratch/local" "${common[@]}" >/dev/null

export SPINDLE_AZURE_ENDPOINT=127.0.0.1:10000 SPINDLE_AZURE_HTTPS=false
# Azurite's published development key (not a secret).
export SPINDLE_AZURE_STORAGE_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
container="abfs://bench-$(date +%s)@devstoreaccount1.dfs.core.windows.net"
cp="$root/launcher/target/spindle-launcher.jar:$root/launcher/target/lib/*"
java -cp "$cp" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn "$root/bench/abfs/Upload.java" \
  "$root/examples/gpt/data" "$container/gpt"
"$root/bin/spindle" train "$root/examples/gpt/job.yaml" --run-dir "$scratch/abfs" "${common[@]}" \
  --set "spec.data.uri=$container/gpt/train" --set "spec.data.evalUri=$container/gpt/eval" >/dev/null

for run in local abfs; do
  python3 - "$scratch/$run/metrics.jsonl" "$warmup" "$run" <<'PY'
import json, statistics, sys
rows = [r for r in (json.loads(l) for l in open(sys.argv[1]) if l.strip()) if "record" not in r]
warm = [r for r in rows if r["step"] > int(sys.argv[2])]
wait = [r["dataWaitMillis"] for r in warm]
step = [r["stepMillis"] for r in warm]
print(f"{sys.argv[3]:6s} steps {len(warm):4d}  step ms mean {statistics.mean(step):7.2f}  "
      f"data wait ms mean {statistics.mean(wait):6.3f} median {statistics.median(wait):6.3f} max {max(wait):7.2f}  "
      f"wait/step {100 * sum(wait) / sum(step):5.2f}%")
PY
done
echo "runs in $scratch"
