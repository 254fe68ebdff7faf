#!/usr/bin/python3
"""Markdown tables from bench/run-mesh-bench.sh's JSON lines (MeshBench and megatron_bench.py output).

Usage: /usr/bin/python3 bench/mesh_report.py results.jsonl
"""

import json
import sys


def main(path):
    rows = [json.loads(line) for line in open(path) if line.startswith("{")]
    pipeline = [r for r in rows if r["mode"] == "pipeline"]
    tensor = [r for r in rows if r["mode"] == "tensor"]
    runs = {}
    for r in pipeline:
        runs.setdefault((r["stages"], r["microBatches"], r["schedule"]), []).append(r)
    if runs:
        print("## Pipeline bubble (idle fraction per stage, median of the timed steps)")
        print()
        print("Step, compute and wait are medians over the timed steps; the blocked and neither columns divide those")
        print("medians. The compute thread's CPU time covers the whole step (compute, copies, bookkeeping); where it is")
        print("well below compute ms the stage was waiting for a core while it had work.")
        print()
        print("| P | M | schedule | step ms (stage 0) | ideal | one-way ms | ideal + comm | measured idle, stage 0..P-1 "
              "| compute ms, stage 0..P-1 | idle expected from those compute times | limit 1.1 x (ideal + comm) | verdict "
              "| blocked on neighbours (wait / step) | neither (1 - (compute + wait) / step) | compute thread's CPU ms, stage 0..P-1 |")
        print("|--:|--:|---|--:|--:|--:|--:|---|---|---|--:|---|---|---|---|")
        for (p, m, s), stages in sorted(runs.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] != "gpipe")):
            stages.sort(key=lambda r: r["stage"])
            limit = max(1.1 * r["idealPlusComm"] for r in stages)
            missed = [str(r["stage"]) for r in stages if not r["met"]]
            verdict = "met" if not missed else "missed on stage " + ", ".join(missed)
            # a pipeline of unequal stages: the step is every stage's share of one micro-batch plus M-1
            # micro-batches of the slowest stage; each stage is idle for the rest
            compute = [r["computeMs"] for r in stages]
            model_step = sum(compute) / m + (m - 1) * max(compute) / m
            expected = ", ".join("%.3f" % (1 - c / model_step) for c in compute)
            blocked = ", ".join("%.3f" % (r["waitMs"] / r["stepMs"]) for r in stages)
            neither = ", ".join("%.3f" % (1 - (r["computeMs"] + r["waitMs"]) / r["stepMs"]) for r in stages)
            cpu = ", ".join("%.1f" % r["cpuMs"] if "cpuMs" in r else "?" for r in stages)
            print("| %d | %d | %s | %.1f | %.3f | %.3f | %.3f | %s | %s | %s | %.3f | %s | %s | %s | %s |" % (
                p, m, s, stages[0]["stepMs"], stages[0]["ideal"], stages[0]["oneWayMs"],
                max(r["idealPlusComm"] for r in stages), ", ".join("%.3f" % r["idle"] for r in stages),
                ", ".join("%.1f" % r["computeMs"] for r in stages), expected, limit, verdict, blocked, neither, cpu))
        print()
        print("## Peak activation memory per stage: 1F1B against GPipe at the same M")
        print()
        print("| P | M | stage | GPipe micro-batches | GPipe KiB | 1F1B micro-batches | 1F1B KiB | 1F1B / GPipe | 1F1B <= P |")
        print("|--:|--:|--:|--:|--:|--:|--:|--:|---|")
        for (p, m, s), stages in sorted(runs.items()):
            if s != "1f1b" or (p, m, "gpipe") not in runs:
                continue
            gpipe = {r["stage"]: r for r in runs[(p, m, "gpipe")]}
            for r in sorted(stages, key=lambda r: r["stage"]):
                g = gpipe[r["stage"]]
                print("| %d | %d | %d | %d | %d | %d | %d | %.2f | %s |" % (
                    p, m, r["stage"], g["peakMicroBatches"], g["peakActivationKiB"], r["peakMicroBatches"],
                    r["peakActivationKiB"], r["peakActivationKiB"] / max(g["peakActivationKiB"], 1),
                    "yes" if r["peakMicroBatches"] <= p else "NO"))
        print()
    if tensor:
        analytic = {r["tensor"]: r for r in tensor if r.get("impl") == "spindle"}
        print("## Tensor parallelism (one step = forward + backward of one batch)")
        print()
        print("| impl | T | step ms | in all-reduce ms | all-reduce floats counted | analytic floats | calls (analytic) "
              "| ring MB sent per rank | one isolated all-reduce ms | x calls ms | first loss |")
        print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
        for r in sorted(tensor, key=lambda r: (r["tensor"], r["impl"] != "spindle")):
            a = analytic.get(r["tensor"], {})
            t = r["tensor"]
            ring = r["floats"] * 4 * 2 * (t - 1) / t / 1e6
            iso = r.get("isolatedAllReduceMs", 0.0)
            print("| %s | %d | %.1f | %.1f | %d | %s | %d (%s) | %.2f | %.3f | %.1f | %.6f |" % (
                r["impl"], t, r["stepMs"], r["commMs"], r["floats"], a.get("analyticFloats", "?"), r["calls"],
                a.get("analyticCalls", "?"), ring, iso, iso * r["calls"], r["firstLoss"]))
        print()


if __name__ == "__main__":
    main(sys.argv[1])
