package dev.lathe.engine.align;

import dev.lathe.engine.tensor.Tensor;

/**
 * The NLL term of rpo_alpha / sft / CPO / ORPO as TRL defines it: the token-mean cross-entropy
 * over the chosen sequences of the micro-batch (one number for the whole batch, not a per-pair
 * mean). Which tokens count is the caller's choice of mask: completion tokens for DPO-rpo and CPO,
 * prompt + completion (everything but padding) for ORPO.
 */
public final class Nll {
  private Nll() {}

  /** −Σ(ℓ·m) / max(1, Σm) for per-token log-probs ℓ [b, t] and a 0/1 mask [b, t]; a scalar. */
  public static Tensor tokenMean(Tensor tokenLogps, Tensor mask) {
    if (!java.util.Arrays.equals(tokenLogps.shape(), mask.shape())) {
      throw new IllegalArgumentException("token log-probs " + tokenLogps.describe() + " and mask " + mask.describe()
          + " must have the same shape");
    }
    Tensor m = mask.to(tokenLogps.dtype());
    return tokenLogps.mul(m).sum().neg().div(m.sum().clampMin(1));
  }
}
