package dev.lathe.engine.nn;

import dev.lathe.engine.tensor.Tensor;

/** A module mapping one tensor to one tensor ([..., in] -> [..., out] for linears). */
public interface Layer {
  Tensor forward(Tensor x);
}
