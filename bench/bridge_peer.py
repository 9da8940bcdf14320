#!/usr/bin/env python3
"""Peer of `lathe bench bridge`: the same small ops in PyTorch eager (Debian's python3-torch).

Prints a table to stderr and one JSON line to stdout:
  {"bench": "bridge", "side": "pytorch", "threads": N, "unit": "ns/op", "ops": {name: ns, ...}}
Op names, shapes and the timing scheme (fastest of several rounds after a warm-up) match
scripts/src/main/kotlin/dev/lathe/scripts/bench/BridgeBench.kt; keep them in step.
"""
import argparse
import json
import sys
import time
import timeit

import torch

OPS = [
    ("dim", "a.dim()"),
    ("add[4]", "a + b"),
    ("mul_scalar[4]", "a * 2.0"),
    ("matmul[8x8]", "m @ m2"),
    ("sum[8x8]", "m.sum()"),
    ("view[8x8->64]", "m.view(64)"),
    ("softmax[8x8]", "torch.softmax(m, -1)"),
    # the dispatcher-by-name route: torch.ops looks the operator up by its schema name
    ("dispatch_add[4]", "torch.ops.aten.add.Tensor(a, b)"),
]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--iters", type=int, default=20000)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--threads", type=int, default=1)
    # thread-cpu: the calling thread's CPU time (robust on a busy machine); wall: perf_counter
    p.add_argument("--clock", choices=["thread-cpu", "wall"], default="thread-cpu")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)  # the Lathe side runs under noGrad too
    env = {"torch": torch, "a": torch.randn(4), "b": torch.randn(4), "m": torch.randn(8, 8), "m2": torch.randn(8, 8)}
    result = {}
    for name, stmt in OPS:
        timer = timeit.Timer(stmt, globals=env, timer=time.thread_time if args.clock == "thread-cpu" else time.perf_counter)
        timer.timeit(number=max(args.iters // 5, 100))  # warm-up
        # the fastest round, as timeit advises (slower rounds measure other processes)
        result[name] = min(timer.timeit(number=args.iters) / args.iters * 1e9 for _ in range(args.rounds))
        print(f"{name:18s} {result[name]:10.0f} ns/op", file=sys.stderr)
    print(json.dumps({"bench": "bridge", "side": "pytorch", "threads": torch.get_num_threads(), "unit": "ns/op", "clock": args.clock,
                      "torch": torch.__version__, "ops": result}))


if __name__ == "__main__":
    main()
