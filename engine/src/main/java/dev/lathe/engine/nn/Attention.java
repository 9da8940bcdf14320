package dev.lathe.engine.nn;

import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.tensor.Tensor;

/**
 * Multi-head self-attention with grouped key/value heads (GQA) and rotary positions. Queries
 * are grouped per key/value head ([b, kv, g*s, d]) so keys and values are never copied per
 * query head. Projections are looked up by name on each forward, so LoRA can swap them.
 * Optional per-head q/k RMSNorm (Qwen3) is a child, present only when configured.
 */
public final class Attention extends Module {
  private final int heads;
  private final int kvHeads;
  private final int headDim;
  private final boolean qkNorm;

  public Attention(AttentionSpec spec, DType dtype) {
    this.heads = spec.heads();
    this.kvHeads = spec.kvHeads();
    this.headDim = spec.headDim();
    this.qkNorm = spec.qkNormEps() != null;
    if (heads % kvHeads != 0) {
      throw new IllegalArgumentException("num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
    }
    long h = spec.hidden();
    child("q_proj", new Linear(h, (long) heads * headDim, spec.qkvBias(), dtype));
    child("k_proj", new Linear(h, (long) kvHeads * headDim, spec.qkvBias(), dtype));
    child("v_proj", new Linear(h, (long) kvHeads * headDim, spec.qkvBias(), dtype));
    child("o_proj", new Linear((long) heads * headDim, h, spec.outputBias(), dtype));
    if (qkNorm) {
      child("q_norm", new RmsNorm(headDim, spec.qkNormEps(), dtype));
      child("k_norm", new RmsNorm(headDim, spec.qkNormEps(), dtype));
    }
  }

  private Layer layer(String name) { return (Layer) childAt(name); }

  // [b, s, n*d] -> [b, n, s, d], with the optional per-head norm applied before the transpose
  private Tensor heads(Tensor projected, long b, long s, int n, String norm) {
    Tensor x = projected.view(b, s, n, headDim);
    if (qkNorm && norm != null) x = layer(norm).forward(x);
    return x.transpose(1, 2);
  }

  /** q [b, heads, s, d], k and v [b, kv, t, d], blocked broadcastable to [b, kv, g, s, t] or null -> [b, heads, s, d]. */
  private Tensor attend(Tensor q, Tensor k, Tensor v, Tensor blocked) {
    long b = q.size(0);
    long s = q.size(2);
    long t = k.size(2);
    int groups = heads / kvHeads;
    // queries grouped under their key/value head: [b, kv, g*s, d]
    Tensor qg = q.mul(1.0 / Math.sqrt(headDim)).reshape(b, kvHeads, (long) groups * s, headDim);
    Tensor scores = qg.matmul(k.transpose(2, 3)); // [b, kv, g*s, t]
    if (blocked != null) {
      scores = scores.view(b, kvHeads, groups, s, t).maskedFill(blocked, AttentionMask.fillValue(scores.dtype()));
    }
    Tensor probs = scores.dtype() == DType.F32 ? scores.softmax(-1) : scores.softmax(-1, DType.F32).to(scores.dtype());
    return probs.view(b, kvHeads, (long) groups * s, t).matmul(v).view(b, heads, s, headDim);
  }

  /**
   * A packed row, q [1, heads, T, d] and k, v [1, kv, T, d], span by span ({@link AttentionMask.Spans}) -> [1, T, heads * d].
   * The spans are gathered into one [spans, heads, maxQ, d] batch so the attention is a few large matmuls (a
   * loop over spans is as fast on one thread but about twice the CPU time on two: many small ops, each a thread
   * barrier). Gathers and the scatter back run on dim 0 of token-major [T, n * d] rows, where index_select is a
   * parallel row copy (on an inner dim it is a loop of small copies).
   */
  private Tensor attendSpans(Tensor q, Tensor k, Tensor v, AttentionMask.Spans sp) {
    long n = sp.count();
    Tensor qs = gather(q, sp.queryIndex(), n, sp.maxQueries(), heads);
    Tensor ks = gather(k, sp.keyIndex(), n, sp.maxKeys(), kvHeads);
    Tensor vs = gather(v, sp.keyIndex(), n, sp.maxKeys(), kvHeads);
    Tensor o = attend(qs, ks, vs, sp.blocked()); // [spans, heads, maxQ, d]
    Tensor rows = o.transpose(1, 2).reshape(n * sp.maxQueries(), (long) heads * headDim); // [spans * maxQ, heads * d]
    return rows.indexSelect(0, sp.outIndex()).unsqueeze(0);
  }

  // x [1, h, T, d] -> the rows of index as [spans, h, slots, d]
  private Tensor gather(Tensor x, Tensor index, long spans, long slots, int h) {
    long t = x.size(2);
    Tensor rows = x.squeeze(0).transpose(0, 1).reshape(t, (long) h * headDim); // [T, h * d]
    return rows.indexSelect(0, index).view(spans, slots, h, headDim).transpose(1, 2);
  }

  /**
   * x [b, s, h] -> [b, s, h].
   *
   * @param cosSin rotary tables for this forward's positions ({@link Rotary#tables})
   * @param mask shared mask of the forward
   * @param cache this layer's cache slot, or null
   */
  public Tensor forward(Tensor x, Tensor[] cosSin, AttentionMask mask, KvSlot cache) {
    long b = x.size(0);
    long s = x.size(1);
    Tensor q = Rotary.apply(heads(layer("q_proj").forward(x), b, s, heads, "q_norm"), cosSin);
    Tensor k = Rotary.apply(heads(layer("k_proj").forward(x), b, s, kvHeads, "k_norm"), cosSin);
    Tensor v = heads(layer("v_proj").forward(x), b, s, kvHeads, null);
    if (cache != null) {
      Tensor[] kv = cache.append(k, v);
      k = kv[0];
      v = kv[1];
    }
    Tensor out = mask.spans() != null ? attendSpans(q, k, v, mask.spans()) // [1, T, heads * d]
        : attend(q, k, v, mask.blocked()).transpose(1, 2).reshape(b, s, (long) heads * headDim);
    return layer("o_proj").forward(out);
  }
}
