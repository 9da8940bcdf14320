#!/usr/bin/env python3
"""Peer of `lathe bench grpo`: one GRPO step in PyTorch eager (Debian's python3-torch).

The step as TRL runs it with transformers generation and no vLLM: sample G completions per prompt with
a KV cache (prompts repeated G times, left-padded, multinomial at temperature 1, max_new tokens each),
score them (a trivial reward on token ids), group advantages (mean/std, eps 1e-4), reference
log-probs from a frozen copy without grad, the policy forward with grad (full logits -> log_softmax ->
gather of the completion tokens), the dapo loss with the k3 KL term, backward, AdamW. The Llama is
dpo_peer.py's eager model. Prints one JSON line on stdout with the step time and its phases.
"""
import argparse
import copy
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dpo_peer import Llama, rotate_half  # noqa: E402


def layer_cached(layer, x, cos, sin, bias, cache, i):
    """One decoder layer over new tokens x [n, t, h], appending their keys/values to cache[i]."""
    b, s, _ = x.shape
    h = layer.input_layernorm(x)
    q = layer.q_proj(h).view(b, s, layer.nh, layer.hd).transpose(1, 2)
    k = layer.k_proj(h).view(b, s, layer.nkv, layer.hd).transpose(1, 2)
    v = layer.v_proj(h).view(b, s, layer.nkv, layer.hd).transpose(1, 2)
    q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
    if cache[i] is not None:
        k, v = torch.cat([cache[i][0], k], 2), torch.cat([cache[i][1], v], 2)
    cache[i] = (k, v)
    k = k.repeat_interleave(layer.nh // layer.nkv, dim=1)
    v = v.repeat_interleave(layer.nh // layer.nkv, dim=1)
    scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(layer.hd) + bias
    o = torch.matmul(torch.softmax(scores.float(), -1).to(q.dtype), v).transpose(1, 2).reshape(b, s, -1)
    x = x + layer.o_proj(o)
    h = layer.post_attention_layernorm(x)
    return x + layer.down_proj(F.silu(layer.gate_proj(h)) * layer.up_proj(h))


def forward_cached(model, ids, mask, pos, cache):
    """Logits of the last new token [n, v]; mask covers past + new tokens, pos [n, t] the new positions."""
    emb = torch.cat([pos[..., None] * model.inv_freq] * 2, dim=-1)
    cos, sin = emb.cos()[:, None], emb.sin()[:, None]
    n, t = ids.shape
    past = mask.shape[1] - t
    causal = torch.ones(t, past + t, dtype=torch.bool).tril(past)
    allowed = causal[None] & mask.bool()[:, None, :]
    bias = torch.zeros(n, 1, t, past + t).masked_fill(~allowed[:, None], torch.finfo(torch.float32).min)
    x = model.embed_tokens(ids)
    for i, layer in enumerate(model.layers):
        x = layer_cached(layer, x, cos, sin, bias, cache, i)
    return model.lm_head(model.norm(x[:, -1]))


@torch.no_grad()
def generate(model, prompts, new):
    """prompts [n, p] (left-padded ids, all real here) -> completions [n, new]."""
    n, p = prompts.shape
    mask = torch.ones(n, p, dtype=torch.long)
    cache = [None] * len(model.layers)
    logits = forward_cached(model, prompts, mask, torch.arange(p).expand(n, p), cache)
    out = []
    for t in range(new):
        nxt = torch.multinomial(torch.softmax(logits.float(), -1), 1)
        out.append(nxt)
        if t == new - 1:
            break
        mask = torch.cat([mask, torch.ones(n, 1, dtype=torch.long)], 1)
        logits = forward_cached(model, nxt, mask, torch.full((n, 1), p + t), cache)
    return torch.cat(out, 1)


def completion_logps(model, ids, p):
    logits = model(ids, torch.ones_like(ids))[:, p - 1:-1].float()
    return torch.gather(logits.log_softmax(-1), 2, ids[:, p:].unsqueeze(2)).squeeze(2)


def main():
    a = argparse.ArgumentParser()
    for k, v in dict(layers=8, hidden=512, heads=8, kv_heads=4, ffn=1408, vocab=32000, prompts=4, generations=8, prompt=64,
                     completion=128, steps=2, threads=2).items():
        a.add_argument("--" + k.replace("_", "-"), type=int, default=v)
    a.add_argument("--beta", type=float, default=0.04)
    a = a.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    policy = Llama(a)
    ref = copy.deepcopy(policy).requires_grad_(False).eval()
    opt = torch.optim.AdamW(policy.parameters(), lr=1e-6, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    prompts = torch.randint(0, a.vocab, (a.prompts, a.prompt)).repeat_interleave(a.generations, 0)

    def step():
        t0 = time.perf_counter()
        policy.eval()
        comp = generate(policy, prompts, a.completion)
        policy.train()
        t1 = time.perf_counter()
        rewards = (comp % 7 == 0).float().mean(1)  # a trivial verifiable reward on ids
        g = rewards.view(-1, a.generations)
        adv = ((g - g.mean(1, keepdim=True)) / (g.std(1, keepdim=True) + 1e-4)).view(-1)
        t2 = time.perf_counter()
        ids = torch.cat([prompts, comp], 1)
        with torch.no_grad():
            ref_lp = completion_logps(ref, ids, a.prompt)
        t3 = time.perf_counter()
        lp = completion_logps(policy, ids, a.prompt)
        w = torch.exp(lp - lp.detach())
        per = -torch.min(w * adv[:, None], torch.clamp(w, 0.8, 1.2) * adv[:, None])
        d = ref_lp - lp
        per = per + a.beta * (torch.exp(d) - d - 1)
        loss = per.sum() / per.numel()
        loss.backward()
        t4 = time.perf_counter()
        opt.step()
        opt.zero_grad(set_to_none=True)
        t5 = time.perf_counter()
        return t5 - t0, {"generation": t1 - t0, "reward": t2 - t1, "reference": t3 - t2, "policy": t4 - t3, "optimizer": t5 - t4}

    step()  # warm-up
    runs = sorted((step() for _ in range(a.steps)), key=lambda r: r[0])
    secs, phases = runs[len(runs) // 2]
    tokens = prompts.shape[0] * a.completion
    print(json.dumps({"side": "pytorch", "step_s": secs, "completion_tokens_per_s": tokens / secs, "phases_s": phases,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                      "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    sys.exit(main())
