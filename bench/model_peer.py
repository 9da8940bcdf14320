#!/usr/bin/env python3
"""Peer of `lathe bench model`: the same Llama in PyTorch eager (Debian's python3-torch).

The model is the reference implementation of tests/fixtures/models/make_fixtures.py (HF's
eager Llama semantics: repeat_kv GQA, fp32 softmax), with random weights as leaf tensors.
Measures, like the Lathe side: no-grad forward to logits, and a training step
(forward to hidden states, label log-probs via full log_softmax + gather, backward).
Prints one JSON line: {"bench": "model", "side": "pytorch", ...}.
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "models"))
import make_fixtures as ref  # noqa: E402


def median_time(fn, iters):
    fn()  # warm-up
    times = []
    for _ in range(iters):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--layers", type=int, default=8)
    p.add_argument("--hidden", type=int, default=512)
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--kv-heads", type=int, default=4)
    p.add_argument("--ffn", type=int, default=1408)
    p.add_argument("--vocab", type=int, default=32000)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--seq", type=int, default=256)
    p.add_argument("--iters", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    cfg = dict(model_type="llama", vocab_size=a.vocab, hidden_size=a.hidden, intermediate_size=a.ffn,
               num_hidden_layers=a.layers, num_attention_heads=a.heads, num_key_value_heads=a.kv_heads,
               rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=False)
    torch.manual_seed(0)
    w = {k: (torch.ones(s) if k.endswith("norm.weight") else torch.randn(s) * 0.02).requires_grad_(True)
         for k, s in ref.weight_shapes(cfg).items()}
    ids = torch.randint(0, a.vocab, (a.batch, a.seq))
    tokens = a.batch * a.seq

    def forward():
        with torch.no_grad():
            ref.forward(cfg, w, ids)

    def train_step():
        logits = ref.forward(cfg, w, ids[:, :-1])
        logp = torch.log_softmax(logits.float(), -1).gather(2, ids[:, 1:].unsqueeze(2)).squeeze(2)
        logp.sum().backward()
        for t in w.values():
            t.grad = None

    fwd = median_time(forward, a.iters)
    train = median_time(train_step, a.iters)
    params = sum(t.numel() for t in w.values())
    out = {"bench": "model", "side": "pytorch", "torch": torch.__version__, "threads": a.threads, "params": params,
           "forward_tokens_per_s": tokens / fwd, "train_tokens_per_s": tokens / train}
    print("pytorch: forward %.0f tok/s, train step %.0f tok/s" % (tokens / fwd, tokens / train), file=sys.stderr)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
