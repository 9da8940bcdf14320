package dev.lathe.engine.model;

import dev.lathe.engine.nn.AttentionMask;
import dev.lathe.engine.nn.KvSlot;
import dev.lathe.engine.tensor.Tensor;

/**
 * Past keys and values as a forward sees them: where this forward's keys go (one slot per layer),
 * the default positions of its tokens, and which cached keys each query may see. {@link KvCache}
 * is one shared length for the whole batch (prefill, offline generation); {@link RowKvCache} gives
 * every row its own length so rows can join and leave a running decode batch.
 */
public interface AttentionCache {
  /** Layer i's slot: stores this forward's keys/values and returns every key/value visible to it. */
  KvSlot slot(int layer);

  /** Position ids [b, s] of this forward's tokens when the inputs give none. */
  Tensor positions(long b, long s);

  /**
   * The attention mask of this forward over [cached + new] keys.
   *
   * @param attentionMask [b, past + s] of 0/1 from the inputs, or null
   * @param sequenceIds packed-batch segment ids, or null
   * @param window sliding window, or null
   */
  AttentionMask mask(long s, Tensor attentionMask, Tensor sequenceIds, Integer window);

  /** Called by the decoder after every layer has stored s positions. */
  void advance(long s);
}
