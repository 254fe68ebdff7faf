#!/usr/bin/python3
"""torch.distributed (gloo) peer of Spindle's tensor-parallel benchmark (dev.spindle.cluster.bench.MeshBench
--mode tensor): the same GPT-2 block math split T ways Megatron-style, forward and backward of one batch.

One process is one rank (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE set by hand or by
bench/run-mesh-bench.sh; WORLD_SIZE=1 runs without torch.distributed). Like GptShard: attention split
by heads (fused c_attn column-parallel by q, k and v blocks, c_proj row-parallel), the MLP by its hidden
width, the tied token embedding and head by vocabulary rows, a vocabulary-parallel cross-entropy that
all-reduces the row maxima, the sums of exponentials and the target logits; Megatron's f (identity
forward, all-reduce backward) and g (all-reduce forward, identity backward) as autograd functions
around dist.all_reduce. Every all-reduce's float count is summed, the same as Spindle's counting
decorator. A step: forward, backward, loss.item(), after a barrier; gradients are zeroed outside it.
Rank 0 prints one JSON line:

    {"mode":"tensor","impl":"gloo","tensor":T,"batch":B,"steps":N,"stepMs":..,"commMs":..,"floats":..,
     "calls":..,"isolatedAllReduceMs":..,"firstLoss":..}

Usage: MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 RANK=0 WORLD_SIZE=2 \\
       /usr/bin/python3 bench/peer/megatron_bench.py [--batch 8 --steps 5 --warmup 2]
"""

import argparse
import json
import math
import os
import statistics
import sys
import time

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # read when OpenBLAS loads: before `import torch`
os.environ["OMP_NUM_THREADS"] = "1"

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
import torch.nn.functional as F  # noqa: E402

VOCAB, CONTEXT, LAYERS, HEADS, HIDDEN = 256, 64, 4, 4, 128
INIT_STD = 0.02


class Comm:
    """The tensor group: all-reduces that count their floats and time."""

    def __init__(self, size):
        self.size = size
        self.floats = 0
        self.calls = 0
        self.seconds = 0.0

    def all_reduce(self, tensor, op=None):
        start = time.perf_counter()
        if op is None:
            dist.all_reduce(tensor)
        else:
            dist.all_reduce(tensor, op=op)
        self.seconds += time.perf_counter() - start
        self.floats += tensor.numel()
        self.calls += 1
        return tensor


COMM = None


class ReduceForward(torch.autograd.Function):
    """Megatron's g: sum over the group going forward, identity going back."""

    @staticmethod
    def forward(ctx, x):
        return COMM.all_reduce(x.clone())

    @staticmethod
    def backward(ctx, grad):
        return grad


class ReduceBackward(torch.autograd.Function):
    """Megatron's f: identity going forward, sum of the gradient going back."""

    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return COMM.all_reduce(grad.contiguous().clone())


def g(x):
    return x if COMM.size == 1 else ReduceForward.apply(x)


def f(x):
    return x if COMM.size == 1 else ReduceBackward.apply(x)


def shard(t, rank, size, dim, parts=1):
    """Rank's slice of t along dim, taken from each of `parts` equal blocks (the fused q, k, v)."""
    blocks = t.chunk(parts, dim)
    return torch.cat([b.chunk(size, dim)[rank] for b in blocks], dim).clone().requires_grad_(True)


def build(rank, size):
    """The whole model from the seed on every rank, then this rank's slices (as GptShard.of does)."""
    def normal(*shape, std=INIT_STD):
        return torch.empty(*shape).normal_(0, std)
    residual_std = INIT_STD / math.sqrt(2 * LAYERS)
    whole = {"wte": normal(VOCAB, HIDDEN), "wpe": normal(CONTEXT, HIDDEN)}
    params = {"wte": shard(whole["wte"], rank, size, 0), "wpe": whole["wpe"].clone().requires_grad_(True)}
    blocks = []
    for _ in range(LAYERS):
        b = {
            "ln1_w": torch.ones(HIDDEN), "ln1_b": torch.zeros(HIDDEN),
            "attn_w": normal(HIDDEN, 3 * HIDDEN), "attn_b": torch.zeros(3 * HIDDEN),
            "proj_w": normal(HIDDEN, HIDDEN, std=residual_std), "proj_b": torch.zeros(HIDDEN),
            "ln2_w": torch.ones(HIDDEN), "ln2_b": torch.zeros(HIDDEN),
            "fc_w": normal(HIDDEN, 4 * HIDDEN), "fc_b": torch.zeros(4 * HIDDEN),
            "mproj_w": normal(4 * HIDDEN, HIDDEN, std=residual_std), "mproj_b": torch.zeros(HIDDEN),
        }
        blocks.append({
            "ln1_w": b["ln1_w"].requires_grad_(True), "ln1_b": b["ln1_b"].requires_grad_(True),
            "attn_w": shard(b["attn_w"], rank, size, 1, 3), "attn_b": shard(b["attn_b"], rank, size, 0, 3),
            "proj_w": shard(b["proj_w"], rank, size, 0), "proj_b": b["proj_b"].requires_grad_(True),
            "ln2_w": b["ln2_w"].requires_grad_(True), "ln2_b": b["ln2_b"].requires_grad_(True),
            "fc_w": shard(b["fc_w"], rank, size, 1), "fc_b": shard(b["fc_b"], rank, size, 0),
            "mproj_w": shard(b["mproj_w"], rank, size, 0), "mproj_b": b["mproj_b"].requires_grad_(True),
        })
    params["blocks"] = blocks
    params["lnf_w"] = torch.ones(HIDDEN, requires_grad=True)
    params["lnf_b"] = torch.zeros(HIDDEN, requires_grad=True)
    return params


def all_parameters(params):
    out = [params["wte"], params["wpe"], params["lnf_w"], params["lnf_b"]]
    for b in params["blocks"]:
        out.extend(b.values())
    return out


def forward(params, tokens, labels, rank, size, mask):
    b, t = tokens.shape
    heads = HEADS // size
    d = HIDDEN // HEADS
    rows = VOCAB // size
    start = rank * rows
    mine = (tokens >= start) & (tokens < start + rows)
    local = torch.where(mine, tokens - start, torch.zeros_like(tokens))
    x = g(F.embedding(local, params["wte"]) * mine.unsqueeze(-1).float()) + params["wpe"][:t]
    for p in params["blocks"]:
        h = f(F.layer_norm(x, (HIDDEN,), p["ln1_w"], p["ln1_b"]))
        q, k, v = (h @ p["attn_w"] + p["attn_b"]).split(heads * d, dim=2)
        q = q.view(b, t, heads, d).transpose(1, 2)
        k = k.view(b, t, heads, d).transpose(1, 2)
        v = v.view(b, t, heads, d).transpose(1, 2)
        weights = ((q @ k.transpose(2, 3)) * (1 / math.sqrt(d)) + mask).softmax(-1)
        merged = (weights @ v).transpose(1, 2).reshape(b, t, heads * d)
        x = x + g(merged @ p["proj_w"]) + p["proj_b"]
        h = f(F.layer_norm(x, (HIDDEN,), p["ln2_w"], p["ln2_b"]))
        hidden = F.gelu(h @ p["fc_w"] + p["fc_b"], approximate="tanh")
        x = x + g(hidden @ p["mproj_w"]) + p["mproj_b"]
    h = f(F.layer_norm(x, (HIDDEN,), params["lnf_w"], params["lnf_b"]))
    logits = (h @ params["wte"].t()).reshape(b * t, rows)
    if size == 1:
        return -logits.log_softmax(-1).gather(-1, labels.reshape(-1, 1)).mean()
    row_max = logits.detach().max(dim=1, keepdim=True).values
    COMM.all_reduce(row_max, dist.ReduceOp.MAX)
    shifted = logits - row_max
    sum_exp = g(shifted.exp().sum(1))
    ids = labels.reshape(-1, 1)
    in_range = (ids >= start) & (ids < start + rows)
    local_ids = torch.where(in_range, ids - start, torch.zeros_like(ids))
    target = g((shifted.gather(1, local_ids) * in_range.float()).reshape(-1))
    return (sum_exp.log() - target).mean()


def main(argv):
    global COMM
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pings", type=int, default=30, help="isolated all-reduces timed after the steps")
    args = parser.parse_args(argv)
    if args.batch < 1 or args.steps < 1 or args.pings < 1 or args.warmup < 0:
        parser.error("--batch, --steps and --pings must be >= 1, --warmup >= 0")
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size > 1:
        dist.init_process_group("gloo", init_method="env://")
    rank = dist.get_rank() if size > 1 else 0
    COMM = Comm(size)
    torch.manual_seed(args.seed)
    params = build(rank, size)
    parameters = all_parameters(params)
    mask = torch.full((CONTEXT, CONTEXT), float("-inf")).triu(1)
    generator = torch.Generator().manual_seed(args.seed)
    seconds, comm_seconds, counts, first_loss = [], [], None, None
    for step in range(args.warmup + args.steps):
        tokens = torch.randint(0, VOCAB, (args.batch, CONTEXT), generator=generator)
        labels = torch.randint(0, VOCAB, (args.batch, CONTEXT), generator=generator)
        for p in parameters:
            if p.grad is not None:
                p.grad.zero_()
        if size > 1:
            dist.barrier()
        COMM.floats, COMM.calls, COMM.seconds = 0, 0, 0.0
        start = time.perf_counter()
        loss = forward(params, tokens, labels, rank, size, mask)
        loss.backward()
        value = loss.item()
        elapsed = time.perf_counter() - start
        if first_loss is None:
            first_loss = value
        if counts is not None and counts != (COMM.floats, COMM.calls):
            print("megatron_bench.py: all-reduce counts changed between steps", file=sys.stderr)
            return 1
        counts = (COMM.floats, COMM.calls)
        if step >= args.warmup:
            seconds.append(elapsed)
            comm_seconds.append(COMM.seconds)
    isolated = 0.0
    if size > 1:
        # one activation-sized all-reduce with the ranks arriving together, as MeshBench measures it
        data = torch.zeros(args.batch * CONTEXT * HIDDEN)
        times = []
        for i in range(3 + args.pings):
            dist.barrier()
            start = time.perf_counter()
            dist.all_reduce(data)
            if i >= 3:
                times.append(time.perf_counter() - start)
        isolated = statistics.median(times)
        dist.destroy_process_group()
    if rank == 0:
        print(json.dumps({"mode": "tensor", "impl": "gloo", "tensor": size, "batch": args.batch, "steps": args.steps,
                          "stepMs": round(statistics.median(seconds) * 1e3, 2),
                          "commMs": round(statistics.median(comm_seconds) * 1e3, 2),
                          "floats": counts[0], "calls": counts[1],
                          "isolatedAllReduceMs": round(isolated * 1e3, 3), "firstLoss": round(first_loss, 6)},
                         separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
