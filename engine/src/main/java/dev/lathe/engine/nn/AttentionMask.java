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

  private AttentionMask(Tensor blocked) { this.blocked = blocked; }

  /** The same mask on a handle owned by s (gradient checkpointing keeps it past the forward's scope). */
  public AttentionMask sharedInto(dev.lathe.engine.tensor.Scope s) {
    return new AttentionMask(blocked == null ? null : s.own(blocked.share()));
  }

  /** The blocked positions (true = masked out), or null when every key is visible. */
  public Tensor blocked() { return blocked; }

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
