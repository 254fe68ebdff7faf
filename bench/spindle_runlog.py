#!/usr/bin/python3
"""Reads a Spindle run directory's metrics.jsonl / events.jsonl for bench/run-ddp-bench.sh and
bench/run-recovery-bench.sh. Prints one JSON line.

  spindle_runlog.py throughput RUN_DIR --warmup W
      Steady-state throughput of a data-parallel run. A step's period is the difference between the
      "time" stamps of consecutive metrics lines (the coordinator writes a line once every rank has
      reported that step), so it covers everything a rank does between steps: data, forward, backward,
      all-reduce, optimizer, reporting. The first W steps are dropped. samplesPerSecond is
      samples / median period; reportedSamplesPerSecond is the median of the lines' own samplesPerSec
      field (samples / the slowest rank's stepMillis), which leaves out whatever happens between steps.

  spindle_runlog.py recovery RUN_DIR --kill-time EPOCH_SECONDS --generation G
      After a kill at EPOCH_SECONDS of a worker training generation G: seconds from the kill to the
      first metrics line of a later generation (recoverySeconds), to the first worker-registered event
      after the kill (registeredSeconds), to the generation-started event of that generation
      (generationStartedSeconds), and to the member-downed / worker-exited events.
"""

import argparse
import datetime
import json
import os
import re
import statistics
import sys


def epoch(stamp):
    """ISO-8601 instant as Java's Instant.toString writes it (up to 9 fraction digits) -> epoch seconds."""
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?)(?:\.(\d+))?Z", stamp)
    if not m:
        raise ValueError("not an instant: %r" % stamp)
    base = m.group(1) if m.group(1).count(":") == 2 else m.group(1) + ":00"
    whole = datetime.datetime.fromisoformat(base).replace(tzinfo=datetime.timezone.utc).timestamp()
    return whole + (float("0." + m.group(2)) if m.group(2) else 0.0)


def lines(path):
    if not os.path.exists(path):
        return []
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                out.append(json.loads(line))
    return out


def throughput(args):
    metrics = [m for m in lines(os.path.join(args.run_dir, "metrics.jsonl")) if "step" in m and "generation" in m]
    if not metrics:
        raise SystemExit("spindle_runlog: no step lines in %s/metrics.jsonl" % args.run_dir)
    generations = sorted({m["generation"] for m in metrics})
    if len(generations) > 1:
        print("spindle_runlog: warning: %d generations in one run (%s); using the longest"
              % (len(generations), generations), file=sys.stderr)
    gen = max(generations, key=lambda g: sum(1 for m in metrics if m["generation"] == g))
    steps = sorted((m for m in metrics if m["generation"] == gen), key=lambda m: m["step"])
    times = [epoch(m["time"]) for m in steps]
    periods = [b - a for (a, b), (ma, mb) in zip(zip(times, times[1:]), zip(steps, steps[1:]))
               if mb["step"] == ma["step"] + 1]
    timed = periods[args.warmup:]
    if len(timed) < 3:
        raise SystemExit("spindle_runlog: only %d timed step periods after %d warm-up steps; run more steps"
                         % (len(timed), args.warmup))
    samples = int(statistics.median(m["samples"] for m in steps))
    reported = [m["samplesPerSec"] for m in steps[args.warmup + 1:]]
    median = statistics.median(timed)
    print(json.dumps({
        "impl": "spindle", "generation": gen, "ranks": steps[-1].get("ranks"), "globalBatch": samples,
        "timedSteps": len(timed), "medianStepMillis": round(median * 1e3, 3),
        "samplesPerSecond": round(samples / median, 1),
        "meanSamplesPerSecond": round(samples * len(timed) / sum(timed), 1),
        "reportedSamplesPerSecond": round(statistics.median(reported), 1),
        "firstLoss": round(steps[0]["loss"], 6), "lastLoss": round(steps[-1]["loss"], 6)}))


def recovery(args):
    kill = args.kill_time
    metrics = lines(os.path.join(args.run_dir, "metrics.jsonl"))
    events = lines(os.path.join(args.run_dir, "events.jsonl"))
    result = {"killTime": kill, "generation": args.generation}

    def after(name, pred=lambda e: True):
        for e in events:
            if e.get("event") == name and epoch(e["time"]) >= kill and pred(e):
                return e
        return None

    first = next((m for m in metrics if m.get("generation", 0) > args.generation and "step" in m), None)
    last_old = [m for m in metrics if m.get("generation") == args.generation and "step" in m]
    if last_old:
        result["lastStepBefore"] = last_old[-1]["step"]
        result["lastOldLineSecondsBeforeKill"] = round(kill - epoch(last_old[-1]["time"]), 3)
    for key, event in (("exitedSeconds", after("worker-exited")), ("downedSeconds", after("member-downed")),
                       ("registeredSeconds", after("worker-registered")),
                       ("generationStartedSeconds",
                        after("generation-started", lambda e: e.get("generation", 0) > args.generation))):
        result[key] = round(epoch(event["time"]) - kill, 3) if event else None
        if key == "registeredSeconds" and event:
            result["replacement"] = event.get("workerId")
        if key == "generationStartedSeconds" and event:
            result["newGeneration"] = event.get("generation")
            result["restoreStep"] = event.get("restoreStep")
            result["worldSize"] = event.get("worldSize")
    if first:
        result["firstNewStep"] = first["step"]
        result["recoverySeconds"] = round(epoch(first["time"]) - kill, 3)
    else:
        result["recoverySeconds"] = None
    print(json.dumps(result))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("throughput")
    t.add_argument("run_dir")
    t.add_argument("--warmup", type=int, default=20)
    r = sub.add_parser("recovery")
    r.add_argument("run_dir")
    r.add_argument("--kill-time", type=float, required=True)
    r.add_argument("--generation", type=int, required=True)
    args = parser.parse_args(argv)
    (throughput if args.command == "throughput" else recovery)(args)


if __name__ == "__main__":
    main(sys.argv[1:])
