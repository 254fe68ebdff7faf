#!/usr/bin/python3
"""PyTorch DDP (gloo, CPU) peer of Spindle's data-parallel throughput benchmark.

One process per rank, started by hand (Debian's torchrun is broken on Python 3.11) with MASTER_ADDR,
MASTER_PORT, RANK and WORLD_SIZE in the environment. Trains the same MLP or GPT as
bench/peer/step_bench.py (imported from there: same shapes, initialisation, AdamW settings, loss)
wrapped in DistributedDataParallel; --global-batch is split evenly across the ranks, like Spindle's
spec.training.batchSize. Each rank cycles through --batches seeded random batches held in memory
(seed + rank, so the ranks see different data).

A step is zero_grad, forward, backward (DDP all-reduces the gradients in buckets during backward),
AdamW.step, loss.item(). Every rank records the wall-clock time at the end of each step; rank 0 prints
one JSON line the benchmark script parses:

    {"impl": "ddp", "model": "mlp", "ranks": 2, "threads": 1, "globalBatch": 256,
     "medianStepMillis": ..., "samplesPerSecond": ..., "meanSamplesPerSecond": ..., ...}

samplesPerSecond = globalBatch / median step period after warm-up, where a step period is the time
between the ends of consecutive steps on rank 0 (the same rule the script applies to Spindle's
metrics.jsonl timestamps); meanSamplesPerSecond = globalBatch * timed steps / their total time.

Usage: MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 RANK=0 WORLD_SIZE=2 \
       /usr/bin/python3 bench/peer/ddp_bench.py --model mlp --threads 1 --warmup 20 --steps 200
"""

import argparse
import json
import os
import statistics
import sys
import time

# step_bench pins OPENBLAS_NUM_THREADS / OMP_NUM_THREADS from --threads in sys.argv before it imports
# torch (OpenBLAS reads them once, when it loads); importing it first does that for this script too.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import step_bench  # noqa: E402

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
from torch.nn.parallel import DistributedDataParallel  # noqa: E402


def batches(model_name, per_rank, count, generator):
    data = []
    for _ in range(count):
        if model_name == "mlp":
            data.append((torch.randn(per_rank, step_bench.MLP_WIDTHS[0], generator=generator),
                         torch.randint(0, step_bench.MLP_WIDTHS[-1], (per_rank,), generator=generator)))
        else:
            seq = torch.randint(0, step_bench.GPT_VOCAB, (per_rank, step_bench.GPT_CONTEXT + 1), generator=generator)
            data.append((seq[:, :-1].contiguous(), seq[:, 1:].contiguous()))
    return data


def run(args):
    rank = int(os.environ["RANK"])
    world = int(os.environ["WORLD_SIZE"])
    if args.global_batch % world != 0:
        raise SystemExit("ddp_bench: --global-batch %d is not a multiple of WORLD_SIZE %d" % (args.global_batch, world))
    per_rank = args.global_batch // world
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)

    torch.manual_seed(args.seed)  # same initial parameters on every rank (DDP broadcasts rank 0's anyway)
    if args.model == "mlp":
        model, lr = step_bench.Mlp(step_bench.MLP_WIDTHS), step_bench.MLP_LR
    else:
        model, lr = step_bench.Gpt(), step_bench.GPT_LR
    ddp = DistributedDataParallel(model)
    generator = torch.Generator().manual_seed(args.seed + 1000 * (rank + 1))
    data = batches(args.model, per_rank, args.batches, generator)
    optimizer = torch.optim.AdamW(ddp.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8,
                                  weight_decay=step_bench.WEIGHT_DECAY)

    dist.barrier()
    ends, losses = [], []
    start = time.perf_counter()
    for step in range(args.warmup + args.steps):
        x, y = data[step % len(data)]
        optimizer.zero_grad(set_to_none=False)
        loss = step_bench.cross_entropy(ddp(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        ends.append(time.perf_counter())
    ends.insert(0, start)
    periods = [b - a for a, b in zip(ends, ends[1:])]
    timed = periods[args.warmup:]
    median = statistics.median(timed)
    # The loss averaged over ranks, like Spindle's metrics line (weighted by samples; the ranks are equal).
    last = torch.tensor([losses[-1]])
    dist.all_reduce(last)
    if rank == 0:
        print(json.dumps({
            "impl": "ddp", "model": args.model, "ranks": world, "threads": torch.get_num_threads(),
            "globalBatch": args.global_batch, "perRankBatch": per_rank, "warmup": args.warmup,
            "steps": args.steps, "medianStepMillis": round(median * 1e3, 3),
            "samplesPerSecond": round(args.global_batch / median, 1),
            "meanSamplesPerSecond": round(args.global_batch * len(timed) / sum(timed), 1),
            "firstLoss": round(losses[0], 6), "lastLoss": round(last.item() / world, 6)}), flush=True)
    dist.destroy_process_group()


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=("mlp", "gpt"), required=True)
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads per rank")
    parser.add_argument("--global-batch", type=int, help="samples per step over all ranks (default: 256 mlp, 32 gpt)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed steps")
    parser.add_argument("--steps", type=int, default=100, help="timed steps")
    parser.add_argument("--batches", type=int, default=4, help="distinct in-memory batches per rank, cycled")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    if args.global_batch is None:
        args.global_batch = step_bench.MLP_BATCH if args.model == "mlp" else step_bench.GPT_BATCH
    for name in ("threads", "global_batch", "steps", "batches"):
        if getattr(args, name) < 1:
            parser.error("--%s is %d; expected >= 1" % (name.replace("_", "-"), getattr(args, name)))
    if args.warmup < 0:
        parser.error("--warmup is %d; expected >= 0" % args.warmup)
    for var in ("MASTER_ADDR", "MASTER_PORT", "RANK", "WORLD_SIZE"):
        if var not in os.environ:
            parser.error("%s is not set; start each rank with MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE" % var)
    run(args)


if __name__ == "__main__":
    main(sys.argv[1:])
