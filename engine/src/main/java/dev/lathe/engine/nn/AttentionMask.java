package dev.lathe.engine.nn;

import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;

/**
 * Which keys each query may see, built once per forward and shared by every layer. A query at
 * cache index past + i sees key j when j <= past + i (causal), the key is not padding
 * (attentionMask [b, t], 1 = token) and, for packed padding-free batches, both belong to the
 * same sequence (sequenceIds [b, s]: a block-diagonal causal mask). {@link #blocked()} is the
 * complement, [b or 1, 1, 1, s, t], shaped for grouped scores [b, kv, g, s, t]; null means
 * nothing is blocked (a one-token decode step without padding).
 */
public final class AttentionMask {
  private final Tensor blocked;
  private final Spans spans;

  private AttentionMask(Tensor blocked) { this(blocked, null); }

  private AttentionMask(Tensor blocked, Spans spans) {
    this.blocked = blocked;
    this.spans = spans;
  }

  /** The same mask on a handle owned by s (gradient checkpointing keeps it past the forward's scope). */
  public AttentionMask sharedInto(dev.lathe.engine.tensor.Scope s) {
    if (spans != null) {
      return new AttentionMask(null, new Spans(spans.count(), spans.maxQueries(), spans.maxKeys(), s.own(spans.queryIndex().share()),
          s.own(spans.keyIndex().share()), s.own(spans.outIndex().share()), s.own(spans.blocked().share())));
    }
    return new AttentionMask(blocked == null ? null : s.own(blocked.share()));
  }

  /** The blocked positions (true = masked out), or null when every key is visible (or the mask is {@link #spans}). */
  public Tensor blocked() { return blocked; }

  /** Varlen attention of a packed row (null for one dense mask). */
  public Spans spans() { return spans; }

  /**
   * Attention of a packed row [1, T] span by span, batched: the spans' queries are gathered into [count, maxQueries]
   * slots (queryIndex, [count * maxQueries] indices into T, padding slots pointing at 0) and their keys into
   * [count, maxKeys] (keyIndex), one masked attention runs over the [count, heads, maxQueries, maxKeys] batch
   * (blocked [count, 1, 1, maxQueries, maxKeys], true = masked, padding keys included), and outIndex [T] takes
   * each token's output back from its slot. Linear layers never see the padding; attention computes
   * max-length blocks per span instead of the T x T a dense mask over the row would.
   */
  public record Spans(int count, int maxQueries, int maxKeys, Tensor queryIndex, Tensor keyIndex, Tensor outIndex, Tensor blocked) {}

  /**
   * The mask of a packed row from its spans ({@code dev.lathe.engine.data.PackedBatch}): each span
   * {from, to, k0, k1, k2, k3, ...} lets queries [from, to) see the keys of [k0, k1) ∪ [k2, k3) ∪ ...
   * whose position id is at most the query's (and, with a sliding window, within it). The spans' query
   * ranges must partition [0, T) in order.
   *
   * @param positions [T] position ids of the row
   */
  public static AttentionMask ofSpans(long[] positions, int[][] spans, Integer window) {
    int t = positions.length;
    int n = spans.length;
    int next = 0;
    int maxQ = 0;
    int maxK = 0;
    int[] keyCount = new int[n];
    for (int i = 0; i < n; i++) {
      int[] sp = spans[i];
      if (sp.length < 4 || sp.length % 2 != 0 || sp[0] != next || sp[1] <= sp[0] || sp[1] > t) {
        throw new IllegalArgumentException("span " + java.util.Arrays.toString(sp) + " does not continue the query ranges at " + next + " of " + t);
      }
      next = sp[1];
      for (int k = 2; k < sp.length; k += 2) {
        if (sp[k] < 0 || sp[k + 1] > t || sp[k + 1] < sp[k]) {
          throw new IllegalArgumentException("span " + java.util.Arrays.toString(sp) + " has a key range outside [0, " + t + ")");
        }
        keyCount[i] += sp[k + 1] - sp[k];
      }
      maxQ = Math.max(maxQ, sp[1] - sp[0]);
      maxK = Math.max(maxK, keyCount[i]);
    }
    if (next != t) throw new IllegalArgumentException("the spans' queries cover [0, " + next + "), the row has " + t + " tokens");
    long[] qIdx = new long[n * maxQ];
    long[] kIdx = new long[n * maxK];
    long[] out = new long[t];
    boolean[] masked = new boolean[n * maxQ * maxK];
    java.util.Arrays.fill(masked, true);
    for (int i = 0; i < n; i++) {
      int[] sp = spans[i];
      int kk = 0;
      for (int k = 2; k < sp.length; k += 2) for (int j = sp[k]; j < sp[k + 1]; j++) kIdx[i * maxK + kk++] = j;
      for (int q = 0; q < sp[1] - sp[0]; q++) {
        int tok = sp[0] + q;
        qIdx[i * maxQ + q] = tok;
        out[tok] = (long) i * maxQ + q;
        long qp = positions[tok];
        for (int j = 0; j < keyCount[i]; j++) {
          long kp = positions[(int) kIdx[i * maxK + j]];
          masked[(i * maxQ + q) * maxK + j] = !(kp <= qp && (window == null || qp - kp < window));
        }
      }
    }
    return new AttentionMask(null, new Spans(n, maxQ, maxK, Tensors.of(qIdx), Tensors.of(kIdx), Tensors.of(out),
        Tensors.of(masked, n, 1, 1, maxQ, maxK)));
  }

  /**
   * @param s query length
   * @param past keys already in the cache before this forward
   * @param attentionMask [b, past + s] of 0/1, or null for no padding
   * @param sequenceIds [b, s] segment ids of a packed batch, or null
   */
  public static AttentionMask build(long s, long past, Tensor attentionMask, Tensor sequenceIds) {
    return build(s, past, attentionMask, sequenceIds, null);
  }

  /**
   * As above, plus a sliding window (Mistral): query i sees key j only when i - j < window, i.e. the
   * last {@code window} positions including itself. Null = no window.
   */
  public static AttentionMask build(long s, long past, Tensor attentionMask, Tensor sequenceIds, Integer window) {
    long t = past + s;
    if (sequenceIds != null && past > 0) {
      throw new IllegalArgumentException("packed sequences (sequence ids) cannot be combined with a KV cache");
    }
    Tensor allowed = null; // broadcastable to [b, s, t]
    boolean windowBites = window != null && t > window;
    if (s > 1 || windowBites) {
      Tensor keys = Tensors.arange(t).unsqueeze(0); // [1, t]
      Tensor queries = Tensors.arange(s).add(past).unsqueeze(1); // [s, 1]
      Tensor causal = keys.le(queries); // [s, t]
      if (windowBites) causal = causal.logicalAnd(keys.gt(queries.sub(window))); // i - j < window
      allowed = causal.unsqueeze(0); // [1, s, t]
    }
    if (attentionMask != null) {
      if (attentionMask.size(1) != t) {
        throw new IllegalArgumentException("attention mask covers " + attentionMask.size(1)
            + " positions, expected " + t + " (cached " + past + " + new " + s + ")");
      }
      Tensor keyOk = attentionMask.ne(0.0).unsqueeze(1); // [b, 1, t]
      allowed = allowed == null ? keyOk : allowed.logicalAnd(keyOk);
    }
    if (sequenceIds != null) {
      Tensor same = sequenceIds.unsqueeze(2).eq(sequenceIds.unsqueeze(1)); // [b, s, s]
      allowed = allowed == null ? same : allowed.logicalAnd(same);
    }
    if (allowed == null) return new AttentionMask(null);
    return new AttentionMask(allowed.logicalNot().unsqueeze(1).unsqueeze(1)); // [b, 1, 1, s, t]
  }

  /**
   * A mask given whole: allowed [b or 1, s, t] booleans (true = the query may see the key), for layouts
   * the causal rule cannot express (EBFT's block-parallel sequences).
   */
  public static AttentionMask ofAllowed(Tensor allowed) {
    if (allowed.dim() != 3) throw new IllegalArgumentException("an explicit mask is [b, s, t], got " + java.util.Arrays.toString(allowed.shape()));
    return new AttentionMask(allowed.logicalNot().unsqueeze(1).unsqueeze(1));
  }

  /** The fill value for blocked scores: very negative but finite, so fully padded rows stay NaN-free. */
  public static double fillValue(DType dt) {
    return dt == DType.F16 ? -65504.0 : -3.0e38;
  }

  /** Packed batches: a new sequence starts wherever the position id is 0 (HF's flattening collator). */
  public static Tensor sequenceIdsFromPositions(Tensor positionIds) {
    return positionIds.eq(0.0).toLong().cumsum(1);
  }

  /** HF generate's positions for a left-padded batch: count of real tokens before each slot. */
  public static Tensor positionsFromMask(Tensor attentionMask) {
    Tensor m = attentionMask.toLong();
    return m.cumsum(1).sub(1.0).mul(m).add(m.rsub(1.0)); // pads get 1, like HF's masked_fill
  }
}
