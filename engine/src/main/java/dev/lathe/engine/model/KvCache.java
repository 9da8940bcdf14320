package dev.lathe.engine.model;

import dev.lathe.engine.nn.AttentionMask;
import dev.lathe.engine.nn.KvSlot;
import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;

/**
 * Keys and values of past positions, preallocated per layer as [b, kv, capacity, d] so a
 * decode step writes one slot in place instead of concatenating. Inference only (writes run
 * without autograd). Owns its tensors; close it when generation ends.
 */
public final class KvCache implements AttentionCache, AutoCloseable {
  private final Scope owned = Scope.detached();
  private final Tensor[] keys;
  private final Tensor[] values;
  private final long capacity;
  private long length;

  private KvCache(Tensor[] keys, Tensor[] values, long capacity, long length) {
    this.keys = keys;
    this.values = values;
    this.capacity = capacity;
    this.length = length;
    for (int i = 0; i < keys.length; i++) {
      owned.own(keys[i]);
      owned.own(values[i]);
    }
  }

  /** An empty cache for a batch of b rows and up to capacity positions. */
  public static KvCache allocate(DecoderSpec spec, long b, long capacity, DType dtype) {
    Tensor[] k = new Tensor[spec.layers()];
    Tensor[] v = new Tensor[spec.layers()];
    long[] shape = {b, spec.kvHeads(), capacity, spec.headDim()};
    for (int i = 0; i < k.length; i++) {
      k[i] = Tensors.zeros(shape, dtype);
      v[i] = Tensors.zeros(shape, dtype);
    }
    return new KvCache(k, v, capacity, 0);
  }

  /** Positions already cached. */
  public long length() { return length; }

  public long capacity() { return capacity; }

  public long batch() { return keys[0].size(0); }

  @Override
  public Tensor positions(long b, long s) {
    return Tensors.arange(length, length + s, 1, DType.I64).unsqueeze(0).expand(b, s);
  }

  @Override
  public AttentionMask mask(long s, Tensor attentionMask, Tensor sequenceIds, Integer window) {
    return AttentionMask.build(s, length, attentionMask, sequenceIds, window);
  }

  @Override
  public KvSlot slot(int layer) {
    return (k, v) -> {
      long s = k.size(2);
      if (length + s > capacity) {
        throw new IllegalStateException("KV cache full: " + length + " cached + " + s + " new > capacity " + capacity);
      }
      try (var g = Grad.disabled()) {
        keys[layer].narrow(2, length, s).copy_(k);
        values[layer].narrow(2, length, s).copy_(v);
      }
      return new Tensor[]{keys[layer].narrow(2, 0, length + s), values[layer].narrow(2, 0, length + s)};
    };
  }

  /** Called by the decoder after every layer has appended s positions. */
  @Override
  public void advance(long s) { length += s; }

  /** Layer i's keys / values [b, kv, capacity, d] (RowKvCache copies prefilled rows from them). */
  Tensor keys(int layer) { return keys[layer]; }

  Tensor values(int layer) { return values[layer]; }

  /**
   * A cache whose row i*n + j copies row i (n samples per prompt share the prompt's prefill):
   * [b, ...] -> [b*n, ...].
   */
  public KvCache expand(int n) {
    try (Scope s = Scope.open(); var g = Grad.disabled()) {
      Tensor rows = Tensors.arange(batch()).repeatInterleave(n, 0);
      Tensor[] k = new Tensor[keys.length];
      Tensor[] v = new Tensor[values.length];
      for (int i = 0; i < k.length; i++) {
        k[i] = s.keep(keys[i].indexSelect(0, rows));
        v[i] = s.keep(values[i].indexSelect(0, rows));
      }
      return new KvCache(k, v, capacity, length);
    }
  }

  @Override
  public void close() { owned.close(); }
}
