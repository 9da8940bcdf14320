"""PyTorch peer of `lathe bench dist`: all-reduce (sum) of NUMEL float32 over torch.distributed's Gloo
between 2 local processes, the collective DDP runs per gradient bucket. Run once per rank:
  python3 bench/dist_peer.py --rank R --world 2 --port P --numel N --iters K
Rank 0 prints one JSON line: the median milliseconds per all-reduce (a barrier before each, so rank
skew is not counted)."""
import argparse, json, os, statistics, time
import torch
import torch.distributed as dist

p = argparse.ArgumentParser()
p.add_argument("--rank", type=int, required=True)
p.add_argument("--world", type=int, default=2)
p.add_argument("--port", type=int, required=True)
p.add_argument("--numel", type=int, required=True)
p.add_argument("--iters", type=int, default=20)
a = p.parse_args()
torch.set_num_threads(1)
dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{a.port}", rank=a.rank, world_size=a.world)
t = torch.ones(a.numel)
for _ in range(3):
    dist.all_reduce(t)
times = []
for _ in range(a.iters):
    dist.barrier()
    t0 = time.perf_counter()
    dist.all_reduce(t)
    times.append(time.perf_counter() - t0)
if a.rank == 0:
    print(json.dumps({"side": "pytorch", "numel": a.numel, "median_ms": 1000 * statistics.median(times), "torch": torch.__version__}))
dist.destroy_process_group()
