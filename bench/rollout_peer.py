#!/usr/bin/env python3
"""Peer of `lathe bench rollout`: batched KV-cache sampling in PyTorch eager (Debian's python3-torch).

It follows what transformers' generate does for GRPO-style sampling (TRL's non-vLLM path):
the prompts are expanded num_return_sequences times before the prefill (input_ids.repeat_interleave),
the KV cache grows by torch.cat every step (DynamicCache), so do the attention mask and the ids,
position ids come from the mask's cumsum each step, GQA keys/values are repeated per query head
(repeat_kv), finished rows keep decoding with padding (unfinished_sequences) and logits go through
temperature -> top-k -> top-p before one multinomial draw; the sampled token's processed log-prob is
kept (as a rollout engine must). The model is an eager Llama written with torch.nn whose weights are
read from the safetensors file Lathe wrote (same weights as the Lathe side).
Prints a human summary on stderr and one JSON line on stdout.
"""
import argparse
import json
import math
import struct
import sys
import time

import torch
import torch.nn.functional as F


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32", f"{name}: dtype {e['dtype']} (the bench writes F32)"
        lo, hi = e["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[base + lo:base + hi]), dtype=torch.float32).reshape(e["shape"])
    return out


def rms(x, w, eps):
    v = x.float().pow(2).mean(-1, keepdim=True)
    return w * (x.float() * torch.rsqrt(v + eps)).to(x.dtype)


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Llama:
    def __init__(self, w, a):
        self.w, self.a = w, a
        self.hd = a.hidden // a.heads
        self.inv_freq = 1.0 / (10000.0 ** (torch.arange(0, self.hd, 2).float() / self.hd))

    def layer(self, i, x, cos, sin, bias, cache):
        a, w, p = self.a, self.w, f"model.layers.{i}."
        b, s, _ = x.shape
        h = rms(x, w[p + "input_layernorm.weight"], 1e-5)
        q = F.linear(h, w[p + "self_attn.q_proj.weight"]).view(b, s, a.heads, self.hd).transpose(1, 2)
        k = F.linear(h, w[p + "self_attn.k_proj.weight"]).view(b, s, a.kv_heads, self.hd).transpose(1, 2)
        v = F.linear(h, w[p + "self_attn.v_proj.weight"]).view(b, s, a.kv_heads, self.hd).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        if cache[i] is not None:  # DynamicCache.update: concatenate along the sequence
            k = torch.cat([cache[i][0], k], dim=2)
            v = torch.cat([cache[i][1], v], dim=2)
        cache[i] = (k, v)
        g = a.heads // a.kv_heads
        k = k.repeat_interleave(g, dim=1)
        v = v.repeat_interleave(g, dim=1)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.hd) + bias
        probs = torch.softmax(scores.float(), dim=-1).to(q.dtype)
        o = torch.matmul(probs, v).transpose(1, 2).reshape(b, s, a.heads * self.hd)
        x = x + F.linear(o, w[p + "self_attn.o_proj.weight"])
        h = rms(x, w[p + "post_attention_layernorm.weight"], 1e-5)
        mlp = F.silu(F.linear(h, w[p + "mlp.gate_proj.weight"])) * F.linear(h, w[p + "mlp.up_proj.weight"])
        return x + F.linear(mlp, w[p + "mlp.down_proj.weight"])

    def forward(self, ids, positions, mask, cache):
        """ids [b, s], positions [b, s], mask [b, past + s] -> last logits [b, v]."""
        b, s = ids.shape
        t = mask.shape[1]
        emb = positions[..., None].float() * self.inv_freq
        emb = torch.cat([emb, emb], dim=-1)
        cos, sin = emb.cos()[:, None], emb.sin()[:, None]
        causal = torch.arange(t)[None, :] <= (torch.arange(s) + t - s)[:, None]
        allowed = causal[None] & mask.bool()[:, None, :]
        bias = torch.zeros(b, 1, s, t).masked_fill(~allowed[:, None], torch.finfo(torch.float32).min)
        x = F.embedding(ids, self.w["model.embed_tokens.weight"])
        for i in range(self.a.layers):
            x = self.layer(i, x, cos, sin, bias, cache)
        x = rms(x[:, -1], self.w["model.norm.weight"], 1e-5)
        return F.linear(x, self.w["lm_head.weight"])


def process(logits, temperature, top_k, top_p):
    """transformers' TemperatureLogitsWarper -> TopKLogitsWarper -> TopPLogitsWarper."""
    x = logits / temperature
    if 0 < top_k < x.shape[-1]:
        kth = torch.topk(x, top_k)[0][..., -1, None]
        x = x.masked_fill(x < kth, -float("inf"))
    if top_p < 1:
        sorted_logits, sorted_idx = torch.sort(x, descending=False)
        cum = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
        remove = cum <= (1 - top_p)
        remove[..., -1:] = 0
        x = x.masked_fill(remove.scatter(1, sorted_idx, remove), -float("inf"))
    return x


@torch.no_grad()
def generate(model, prompts, a):
    ids = prompts.repeat_interleave(a.samples, dim=0)  # num_return_sequences: the prefill runs G times
    mask = torch.ones_like(ids)
    cache = [None] * a.layers
    unfinished = torch.ones(ids.shape[0], dtype=torch.long)
    logps = []
    step_ids = ids
    for _ in range(a.new_tokens):
        positions = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1)[:, -step_ids.shape[1]:]
        logits = model.forward(step_ids, positions, mask, cache).float()
        x = process(logits, a.temperature, a.top_k, a.top_p)
        nxt = torch.multinomial(x.softmax(-1), 1).squeeze(1)
        logps.append(x.log_softmax(-1).gather(1, nxt[:, None]).squeeze(1))
        nxt = nxt * unfinished + a.pad * (1 - unfinished)
        unfinished = unfinished & (nxt != a.eos)
        ids = torch.cat([ids, nxt[:, None]], dim=-1)
        mask = torch.cat([mask, torch.ones(mask.shape[0], 1, dtype=mask.dtype)], dim=-1)
        step_ids = nxt[:, None]
    return ids[:, prompts.shape[1]:], torch.stack(logps, 1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--weights", required=True)
    for k, v in dict(layers=8, hidden=512, heads=8, kv_heads=4, ffn=1408, vocab=32000, prompts=4, samples=8,
                     prompt_len=64, new_tokens=128, threads=2, top_k=50, eos=-1, pad=0, seed=0).items():
        p.add_argument("--" + k.replace("_", "-"), type=int, default=v)
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--top-p", type=float, default=0.95)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model = Llama(read_safetensors(a.weights), a)
    prompts = torch.tensor([[(i * 7919 + j * 104729 + 13) % a.vocab for j in range(a.prompt_len)] for i in range(a.prompts)])
    warm = argparse.Namespace(**{**vars(a), "new_tokens": 4})
    generate(model, prompts, warm)
    t0 = time.perf_counter()
    out, logps = generate(model, prompts, a)
    dt = time.perf_counter() - t0
    tokens = out.numel()
    print(f"pytorch eager: {tokens} tokens in {dt:.2f} s = {tokens / dt:.1f} tokens/s", file=sys.stderr)
    print(json.dumps({"side": "pytorch", "seconds": dt, "tokens": tokens, "tokens_per_s": tokens / dt,
                      "threads": torch.get_num_threads(), "torch": torch.__version__,
                      "mean_logprob": float(logps.mean())}))


if __name__ == "__main__":
    main()
