#!/usr/bin/python3
"""PyTorch eager peer of Spindle's step-time benchmark.

Trains the same MLP or GPT as bench/src/main/java/dev/spindle/bench/bare (same shapes, names,
initialisation, batch, AdamW settings, cross-entropy) on seeded random batches held in memory,
and prints one line the benchmark script parses:

    RESULT impl=torch model=mlp threads=1 median_ms=... round_means_ms=... first_loss=... last_loss=...

Usage: /usr/bin/python3 bench/peer/step_bench.py --model mlp --threads 1 [--warmup 5 --rounds 5 --steps 20]

Debian's torch calls the generic BLAS interface: install libopenblas0-pthread, or matrix work runs
on the reference BLAS and is about 15x slower (see docs/benchmarks.md).
"""

import argparse
import math
import os
import statistics
import sys
import time


def _pin_blas_threads(argv):
    """Debian's torch multiplies matrices in OpenBLAS (pthread build), whose thread count
    torch.set_num_threads does not reach: it is read from the environment when the library loads,
    so it has to be set before `import torch`. Left alone, OpenBLAS takes every core and a
    "1 thread" peer really ran on two (measured here: 33 ms/step instead of 12 for the MLP)."""
    threads = "1"
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            threads = argv[i + 1]
        elif arg.startswith("--threads="):
            threads = arg.split("=", 1)[1]
    os.environ["OPENBLAS_NUM_THREADS"] = threads
    os.environ["OMP_NUM_THREADS"] = threads


_pin_blas_threads(sys.argv[1:])

import torch  # noqa: E402  (after the thread pinning above, on purpose)
from torch import nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

MLP_WIDTHS = (784, 512, 10)
MLP_BATCH = 256
MLP_LR = 1e-3
GPT_VOCAB, GPT_CONTEXT, GPT_LAYERS, GPT_HEADS, GPT_HIDDEN = 257, 64, 4, 4, 128
GPT_BATCH = 32
GPT_LR = 3e-3
WEIGHT_DECAY = 0.01
INIT_STD = 0.02


class Mlp(nn.Module):
    """784-512-10 with ReLU; parameters layers.0.weight [512, 784], ... (torch.nn.Linear layout)."""

    def __init__(self, widths):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(i, o) for i, o in zip(widths, widths[1:]))

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i + 1 < len(self.layers):
                x = F.relu(x)
        return x


class Conv1D(nn.Module):
    """GPT-2's projection: weight [in, out], x @ W + b (the same op order as the bare DJL loop)."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out).normal_(0, INIT_STD))
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        return x @ self.weight + self.bias


class Attention(nn.Module):
    def __init__(self, hidden, heads, context):
        super().__init__()
        self.heads = heads
        self.c_attn = Conv1D(hidden, 3 * hidden)
        self.c_proj = Conv1D(hidden, hidden)
        mask = torch.full((context, context), float("-inf")).triu(1)
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x):
        b, t, c = x.shape
        d = c // self.heads
        q, k, v = self.c_attn(x).split(c, dim=2)
        q = q.view(b, t, self.heads, d).transpose(1, 2)
        k = k.view(b, t, self.heads, d).permute(0, 2, 3, 1)
        v = v.view(b, t, self.heads, d).transpose(1, 2)
        weights = ((q @ k) * (1 / math.sqrt(d)) + self.mask).softmax(-1)
        y = (weights @ v).transpose(1, 2).reshape(b, t, c)
        return self.c_proj(y)


class Mlp4(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.c_fc = Conv1D(hidden, 4 * hidden)
        self.act = nn.GELU(approximate="tanh")
        self.c_proj = Conv1D(4 * hidden, hidden)

    def forward(self, x):
        return self.c_proj(self.act(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, hidden, heads, context):
        super().__init__()
        self.ln_1 = nn.LayerNorm(hidden)
        self.attn = Attention(hidden, heads, context)
        self.ln_2 = nn.LayerNorm(hidden)
        self.mlp = Mlp4(hidden)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Gpt(nn.Module):
    """Pre-LN GPT-2: learned positions, tied head, no dropout; names transformer.h.0.attn.c_attn.weight, ..."""

    def __init__(self):
        super().__init__()
        self.transformer = nn.Module()
        # Passing the weights in skips nn.Embedding's own N(0, 1) draw, so the generator is consumed
        # in the bare DJL loop's order (wte, wpe, then each block's projections) and, from the same
        # seed, both start from the same parameters and see the same batches.
        self.transformer.wte = nn.Embedding(GPT_VOCAB, GPT_HIDDEN,
                                            _weight=torch.empty(GPT_VOCAB, GPT_HIDDEN).normal_(0, INIT_STD))
        self.transformer.wpe = nn.Embedding(GPT_CONTEXT, GPT_HIDDEN,
                                            _weight=torch.empty(GPT_CONTEXT, GPT_HIDDEN).normal_(0, INIT_STD))
        self.transformer.h = nn.ModuleList(Block(GPT_HIDDEN, GPT_HEADS, GPT_CONTEXT) for _ in range(GPT_LAYERS))
        self.transformer.ln_f = nn.LayerNorm(GPT_HIDDEN)

    def forward(self, tokens):
        x = self.transformer.wte(tokens) + self.transformer.wpe.weight
        for block in self.transformer.h:
            x = block(x)
        return F.linear(self.transformer.ln_f(x), self.transformer.wte.weight)


def cross_entropy(logits, labels):
    # log_softmax + gather + mean, the ops the bare DJL loop runs, rather than the fused F.cross_entropy.
    return -logits.log_softmax(-1).gather(-1, labels.unsqueeze(-1)).mean()


def build(model_name, batches):
    if model_name == "mlp":
        model = Mlp(MLP_WIDTHS)
        data = [(torch.randn(MLP_BATCH, MLP_WIDTHS[0]), torch.randint(0, MLP_WIDTHS[-1], (MLP_BATCH,)))
                for _ in range(batches)]
        return model, data, MLP_LR
    model = Gpt()
    data = []
    for _ in range(batches):
        sequence = torch.randint(0, GPT_VOCAB, (GPT_BATCH, GPT_CONTEXT + 1))
        data.append((sequence[:, :-1].contiguous(), sequence[:, 1:].contiguous()))
    return model, data, GPT_LR


def run(args):
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    model, data, lr = build(args.model, args.batches)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8,
                                  weight_decay=WEIGHT_DECAY)
    millis, losses = [], []
    for step in range(args.warmup + args.rounds * args.steps):
        x, y = data[step % len(data)]
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=False)
        loss = cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        millis.append((time.perf_counter() - start) * 1e3)
    timed = millis[args.warmup:]
    rounds = [statistics.fmean(timed[i:i + args.steps]) for i in range(0, len(timed), args.steps)]
    print("RESULT impl=torch model=%s threads=%d median_ms=%.3f round_means_ms=%s first_loss=%.6f last_loss=%.6f"
          % (args.model, torch.get_num_threads(), statistics.median(timed),
             ",".join("%.3f" % r for r in rounds), losses[0], losses[-1]))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=("mlp", "gpt"), required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20, help="steps per round")
    parser.add_argument("--batches", type=int, default=4, help="distinct in-memory batches, cycled")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    for name in ("threads", "rounds", "steps", "batches"):
        if getattr(args, name) < 1:
            parser.error("--%s is %d; expected >= 1" % (name, getattr(args, name)))
    if args.warmup < 0:
        parser.error("--warmup is %d; expected >= 0" % args.warmup)
    run(args)


if __name__ == "__main__":
    main(sys.argv[1:])
