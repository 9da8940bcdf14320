#!/usr/bin/env python3
"""Peer of `lathe bench dpo`: one DPO step in PyTorch eager (Debian's python3-torch).

The step, as TRL runs it without LoRA: policy forward on the 2b concatenated chosen+rejected rows
with grad, full logits -> log_softmax -> gather of the label tokens, summed over completion tokens;
a frozen reference copy's forward without grad; the sigmoid DPO loss; backward; AdamW step.
The model is an eager Llama written with torch.nn (HF's eager semantics: RMSNorm, rotary,
GQA by repeat_kv, fp32 softmax). --bf16 wraps the forwards in torch.autocast("cpu", bfloat16).
Prints a human summary on stderr and one JSON line on stdout.
"""
import argparse
import copy
import json
import math
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, h, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(h))
        self.eps = eps

    def forward(self, x):
        v = x.float().pow(2).mean(-1, keepdim=True)
        return self.weight * (x.float() * torch.rsqrt(v + self.eps)).to(x.dtype)


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Layer(nn.Module):
    def __init__(self, a):
        super().__init__()
        h, self.nh, self.nkv, self.hd = a.hidden, a.heads, a.kv_heads, a.hidden // a.heads
        self.input_layernorm, self.post_attention_layernorm = RMSNorm(h, 1e-5), RMSNorm(h, 1e-5)
        self.q_proj = nn.Linear(h, self.nh * self.hd, bias=False)
        self.k_proj = nn.Linear(h, self.nkv * self.hd, bias=False)
        self.v_proj = nn.Linear(h, self.nkv * self.hd, bias=False)
        self.o_proj = nn.Linear(self.nh * self.hd, h, bias=False)
        self.gate_proj = nn.Linear(h, a.ffn, bias=False)
        self.up_proj = nn.Linear(h, a.ffn, bias=False)
        self.down_proj = nn.Linear(a.ffn, h, bias=False)

    def forward(self, x, cos, sin, bias):
        b, s, _ = x.shape
        h = self.input_layernorm(x)
        q = self.q_proj(h).view(b, s, self.nh, self.hd).transpose(1, 2)
        k = self.k_proj(h).view(b, s, self.nkv, self.hd).transpose(1, 2)
        v = self.v_proj(h).view(b, s, self.nkv, self.hd).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(self.nh // self.nkv, dim=1)
        v = v.repeat_interleave(self.nh // self.nkv, dim=1)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.hd) + bias
        probs = torch.softmax(scores.float(), dim=-1).to(q.dtype)
        o = torch.matmul(probs, v).transpose(1, 2).reshape(b, s, self.nh * self.hd)
        x = x + self.o_proj(o)
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


class Llama(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.embed_tokens = nn.Embedding(a.vocab, a.hidden)
        self.layers = nn.ModuleList([Layer(a) for _ in range(a.layers)])
        self.norm = RMSNorm(a.hidden, 1e-5)
        self.lm_head = nn.Linear(a.hidden, a.vocab, bias=False)
        hd = a.hidden // a.heads
        self.register_buffer("inv_freq", 1.0 / (10000.0 ** (torch.arange(0, hd, 2).float() / hd)), persistent=False)
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.normal_(p, 0.0, 0.02)

    def forward(self, ids, mask):
        b, s = ids.shape
        pos = torch.arange(s)
        emb = torch.cat([pos[:, None] * self.inv_freq[None, :]] * 2, dim=-1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        allowed = torch.tril(torch.ones(s, s, dtype=torch.bool))[None] & mask.bool()[:, None, :]
        bias = torch.zeros(b, 1, s, s).masked_fill(~allowed[:, None], torch.finfo(torch.float32).min)
        x = self.embed_tokens(ids)
        for layer in self.layers:
            x = layer(x, cos, sin, bias)
        return self.lm_head(self.norm(x))


def sequence_logps(model, ids, mask, completion):
    """Summed completion log-probs per row [2b], TRL's way: full logits, log_softmax, gather."""
    logits = model(ids, mask)[:, :-1].float()
    labels = ids[:, 1:]
    logp = torch.gather(logits.log_softmax(-1), 2, labels.unsqueeze(2)).squeeze(2)
    return (logp * completion[:, 1:]).sum(-1)


def main():
    p = argparse.ArgumentParser()
    for k, v in dict(layers=8, hidden=512, heads=8, kv_heads=4, ffn=1408, vocab=32000, pairs=4, seq=256, prompt=64,
                     steps=3, threads=2).items():
        p.add_argument("--" + k.replace("_", "-"), type=int, default=v)
    p.add_argument("--bf16", action="store_true")
    p.add_argument("--beta", type=float, default=0.1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    policy = Llama(a)
    ref = copy.deepcopy(policy).requires_grad_(False).eval()
    opt = torch.optim.AdamW(policy.parameters(), lr=1e-5, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    n = 2 * a.pairs
    prompt = torch.randint(0, a.vocab, (a.pairs, a.prompt))
    ids = torch.cat([torch.cat([prompt, torch.randint(0, a.vocab, (a.pairs, a.seq - a.prompt))], 1) for _ in range(2)], 0)
    mask = torch.ones(n, a.seq, dtype=torch.long)
    completion = torch.zeros(n, a.seq)
    completion[:, a.prompt:] = 1

    def step():
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.bf16):
            pol = sequence_logps(policy, ids, mask, completion)
        t1 = time.perf_counter()
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.bf16):
            r = sequence_logps(ref, ids, mask, completion)
        t2 = time.perf_counter()
        delta = (pol[:a.pairs] - pol[a.pairs:]) - (r[:a.pairs] - r[a.pairs:])
        loss = -F.logsigmoid(a.beta * delta).mean()
        loss.backward()
        t3 = time.perf_counter()
        opt.step()
        opt.zero_grad(set_to_none=True)
        t4 = time.perf_counter()
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        cost = {"user_s": r1.ru_utime - r0.ru_utime, "sys_s": r1.ru_stime - r0.ru_stime, "minor_faults": r1.ru_minflt - r0.ru_minflt}
        return t4 - t0, {"policy": (t1 - t0) + (t3 - t2), "reference": t2 - t1, "optimizer": t4 - t3}, cost

    step()  # warm-up
    runs = sorted((step() for _ in range(a.steps)), key=lambda r: r[0])
    secs, phases, cost = runs[len(runs) // 2]
    tokens = n * a.seq
    print(json.dumps({"side": "pytorch", "step_s": secs, "tokens_per_s": tokens / secs,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                      "phases_s": phases, "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "bf16": a.bf16, **cost}))


if __name__ == "__main__":
    sys.exit(main())
