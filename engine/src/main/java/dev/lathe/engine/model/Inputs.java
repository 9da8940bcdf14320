package dev.lathe.engine.model;

import dev.lathe.engine.nn.AttentionMask;
import dev.lathe.engine.tensor.Tensor;

/**
 * One forward's inputs. ids [b, s]; attentionMask [b, past + s] (1 = token, 0 = padding) or
 * null; positionIds [b, s] or null for 0.. (offset by the cache); sequenceIds [b, s] for packed
 * padding-free batches (attention stays within a sequence) or null; cache or null.
 */
public record Inputs(Tensor ids, Tensor attentionMask, Tensor positionIds, Tensor sequenceIds, AttentionCache cache) {
  public static Inputs of(Tensor ids) { return new Inputs(ids, null, null, null, null); }

  /** A padded batch: mask [b, s]. Positions stay 0.. like HF's forward (right padding). */
  public static Inputs padded(Tensor ids, Tensor attentionMask) { return new Inputs(ids, attentionMask, null, null, null); }

  /**
   * A packed batch (HF's DataCollatorWithFlattening): several sequences concatenated in one
   * row, position ids restarting at 0 where each begins. Attention is block-diagonal causal.
   */
  public static Inputs packed(Tensor ids, Tensor positionIds) {
    return new Inputs(ids, null, positionIds, AttentionMask.sequenceIdsFromPositions(positionIds), null);
  }

  public Inputs withMask(Tensor m) { return new Inputs(ids, m, positionIds, sequenceIds, cache); }

  public Inputs withPositions(Tensor p) { return new Inputs(ids, attentionMask, p, sequenceIds, cache); }

  public Inputs withCache(AttentionCache c) { return new Inputs(ids, attentionMask, positionIds, sequenceIds, c); }

  public long batch() { return ids.size(0); }

  public long length() { return ids.size(1); }
}
