#!/usr/bin/python3
"""torch.distributed (gloo) peer of Spindle's data-plane all-reduce benchmark.

One process is one rank, started by hand (or by bench/run-allreduce-bench.sh) with the usual
environment: MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE. Every rank all-reduces --mb MiB of float32
(SUM; gloo has no AVG) --warmup times, then --iterations timed times, each after a barrier; rank 0
prints one JSON line, the same as dev.spindle.cluster.bench.AllReduceBench:

    {"impl":"gloo","ranks":R,"bytes":B,"seconds":T,"busBandwidthMBps":W}

T is the median iteration, W = B / T * 2(R-1)/R / 10^6 (the NCCL-tests bus bandwidth).

Usage: MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 RANK=0 WORLD_SIZE=2 \\
       /usr/bin/python3 bench/peer/allreduce_bench.py --mb 16 [--iterations 20 --warmup 3]
"""

import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402  (after the thread setting above, on purpose)
import torch.distributed as dist  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, required=True, help="MiB of float32 to all-reduce")
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    missing = [name for name in ("MASTER_ADDR", "MASTER_PORT", "RANK", "WORLD_SIZE") if name not in os.environ]
    if missing:
        print("allreduce_bench.py: set " + ", ".join(missing) + " (torch.distributed env:// rendezvous)",
              file=sys.stderr)
        return 2
    if args.mb < 1 or args.iterations < 1 or args.warmup < 0:
        print("allreduce_bench.py: --mb and --iterations must be >= 1, --warmup >= 0", file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method="env://")
    rank, ranks = dist.get_rank(), dist.get_world_size()
    nbytes = args.mb << 20
    floats = nbytes // 4
    data = (torch.arange(floats, dtype=torch.float32) % 1000) * 0.001 + rank
    for _ in range(args.warmup):
        dist.barrier()
        dist.all_reduce(data)
        data.div_(ranks)
    seconds = []
    for _ in range(args.iterations):
        dist.barrier()
        start = time.perf_counter()
        dist.all_reduce(data)
        seconds.append(time.perf_counter() - start)
        data.div_(ranks)
    # The same check as the Java side: a wrong result cannot pass as a fast one.
    check = (torch.arange(floats, dtype=torch.float32) % 7) + rank
    dist.all_reduce(check)
    expected = ranks * (torch.arange(floats, dtype=torch.float32) % 7) + ranks * (ranks - 1) / 2
    if not torch.equal(check, expected):
        print("allreduce_bench.py rank %d: all-reduce result is wrong" % rank, file=sys.stderr)
        return 1
    dist.destroy_process_group()
    if rank == 0:
        median = statistics.median(seconds)
        print(json.dumps({"impl": "gloo", "ranks": ranks, "bytes": nbytes, "seconds": round(median, 6),
                          "busBandwidthMBps": round(nbytes / median * 2 * (ranks - 1) / ranks / 1e6, 1)},
                         separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
