package dev.lathe.engine.model;

import dev.lathe.engine.nn.AttentionMask;
import dev.lathe.engine.nn.KvSlot;
import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;

/**
 * The continuous-batching KV cache: [rows, kv, capacity, d] per layer, preallocated once, where
 * every row has its own length. A decode forward runs over rows [0, active): row r's new key goes to
 * its own slot (one index_copy_ per layer into the flattened cache, nothing grows), and it sees slots
 * [start_r, slot_r] (start_r skips the left padding of the prefill group it joined with). Prefilled
 * rows are copied in from a {@link KvCache} ({@link #adopt}); finished rows leave by moving the last
 * live rows into their places ({@link #moveRows}). Inference only; close it when done.
 */
public final class RowKvCache implements AttentionCache, AutoCloseable {
  private final Scope owned = Scope.detached();
  private final Tensor[] keys;
  private final Tensor[] values;
  private final Tensor[] flatKeys; // [rows * kv * capacity, d] views of keys
  private final Tensor[] flatValues;
  private final long rows;
  private final long kvHeads;
  private final long capacity;
  private final long headDim;
  private final Integer window;
  private long active;
  private long extent;
  private long[] starts = new long[0];
  private long[] slots = new long[0];
  private Tensor writeIndex; // [active * kv] flattened slot of each (row, kv head) this forward writes

  private RowKvCache(DecoderSpec spec, long rows, long capacity, DType dtype) {
    this.rows = rows;
    this.kvHeads = spec.kvHeads();
    this.capacity = capacity;
    this.headDim = spec.headDim();
    this.window = spec.slidingWindow();
    int n = spec.layers();
    keys = new Tensor[n];
    values = new Tensor[n];
    flatKeys = new Tensor[n];
    flatValues = new Tensor[n];
    long[] shape = {rows, kvHeads, capacity, headDim};
    for (int i = 0; i < n; i++) {
      keys[i] = owned.own(Tensors.zeros(shape, dtype));
      values[i] = owned.own(Tensors.zeros(shape, dtype));
      flatKeys[i] = owned.own(keys[i].view(rows * kvHeads * capacity, headDim));
      flatValues[i] = owned.own(values[i].view(rows * kvHeads * capacity, headDim));
    }
  }

  public static RowKvCache allocate(DecoderSpec spec, long rows, long capacity, DType dtype) {
    return new RowKvCache(spec, rows, capacity, dtype);
  }

  public long rows() { return rows; }

  public long capacity() { return capacity; }

  /**
   * Before a one-token decode forward over rows [0, starts.length): row r's first real slot and the
   * slot its new token is written to (its previous tokens are in [starts[r], slots[r])).
   */
  public void prepare(long[] starts, long[] slots) {
    if (starts.length != slots.length || starts.length > rows) {
      throw new IllegalArgumentException("prepare: " + starts.length + " starts, " + slots.length + " slots, " + rows + " rows");
    }
    long max = 0;
    for (long s : slots) {
      if (s >= capacity) throw new IllegalStateException("KV cache row full: slot " + s + " >= capacity " + capacity);
      max = Math.max(max, s);
    }
    this.active = starts.length;
    this.starts = starts.clone();
    this.slots = slots.clone();
    this.extent = max + 1;
    long[] idx = new long[(int) (active * kvHeads)];
    for (int r = 0; r < active; r++) {
      for (int h = 0; h < kvHeads; h++) idx[(int) (r * kvHeads + h)] = (r * kvHeads + h) * capacity + slots[r];
    }
    writeIndex = Tensors.of(idx); // belongs to the caller's scope: lives for the forward that follows
  }

  private void checkDecode(long b, long s) {
    if (s != 1 || b != active) {
      throw new IllegalStateException("RowKvCache serves one-token decode forwards over the " + active
          + " prepared rows, got [" + b + ", " + s + "] (prefill through a KvCache, then adopt)");
    }
  }

  @Override
  public Tensor positions(long b, long s) {
    checkDecode(b, s);
    long[] p = new long[(int) active];
    for (int r = 0; r < p.length; r++) p[r] = slots[r] - starts[r]; // real tokens before this one
    return Tensors.of(p, active, 1);
  }

  @Override
  public AttentionMask mask(long s, Tensor attentionMask, Tensor sequenceIds, Integer ignoredWindow) {
    checkDecode(active, s);
    if (sequenceIds != null) throw new IllegalArgumentException("packed sequences cannot be decoded with a KV cache");
    long[] lo = new long[(int) active];
    long[] hi = new long[(int) active];
    for (int r = 0; r < lo.length; r++) {
      lo[r] = window == null ? starts[r] : Math.max(starts[r], slots[r] - window + 1); // i - j < window
      hi[r] = slots[r];
    }
    Tensor j = Tensors.arange(extent).unsqueeze(0); // [1, t]
    Tensor allowed = j.ge(Tensors.of(lo, active, 1)).logicalAnd(j.le(Tensors.of(hi, active, 1))); // [b, t]
    return AttentionMask.build(1, extent - 1, allowed, null, null);
  }

  @Override
  public KvSlot slot(int layer) {
    return (k, v) -> {
      checkDecode(k.size(0), k.size(2));
      try (var g = Grad.disabled()) {
        flatKeys[layer].indexCopy_(0, writeIndex, k.reshape(active * kvHeads, headDim));
        flatValues[layer].indexCopy_(0, writeIndex, v.reshape(active * kvHeads, headDim));
      }
      return new Tensor[]{keys[layer].narrow(0, 0, active).narrow(2, 0, extent),
          values[layer].narrow(0, 0, active).narrow(2, 0, extent)};
    };
  }

  /** Lengths are the caller's (per row); nothing to do. */
  @Override
  public void advance(long s) {}

  /** Copies rows srcRows of a prefilled KvCache (its first length() slots) into rows dstRows here. */
  public void adopt(KvCache src, long[] srcRows, long[] dstRows) {
    long len = src.length();
    if (len > capacity) throw new IllegalStateException("prompt of " + len + " positions exceeds the cache capacity " + capacity);
    try (Scope s = Scope.open(); var g = Grad.disabled()) {
      Tensor from = Tensors.of(srcRows);
      Tensor to = Tensors.of(dstRows);
      for (int i = 0; i < keys.length; i++) {
        keys[i].narrow(2, 0, len).indexCopy_(0, to, src.keys(i).narrow(2, 0, len).indexSelect(0, from));
        values[i].narrow(2, 0, len).indexCopy_(0, to, src.values(i).narrow(2, 0, len).indexSelect(0, from));
      }
    }
  }

  /** Row to[i] takes row from[i]'s first upTo slots (finished rows leave; live rows close the gaps). */
  public void moveRows(long[] from, long[] to, long upTo) {
    if (from.length == 0) return;
    try (Scope s = Scope.open(); var g = Grad.disabled()) {
      Tensor src = Tensors.of(from);
      Tensor dst = Tensors.of(to);
      for (int i = 0; i < keys.length; i++) {
        Tensor k = keys[i].narrow(2, 0, upTo);
        Tensor v = values[i].narrow(2, 0, upTo);
        k.indexCopy_(0, dst, k.indexSelect(0, src));
        v.indexCopy_(0, dst, v.indexSelect(0, src));
      }
    }
  }

  @Override
  public void close() { owned.close(); }
}
