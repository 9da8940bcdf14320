package dev.lathe.engine.nn;

import dev.lathe.engine.tensor.Tensor;

/** One layer's key/value cache: stores this step's keys and values, returns all cached so far. */
public interface KvSlot {
  /** k, v [b, kv, s, d] (after rotary) -> {keys, values} [b, kv, past + s, d]. */
  Tensor[] append(Tensor k, Tensor v);
}
