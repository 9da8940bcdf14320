package dev.lathe.engine.align;

import dev.lathe.engine.tensor.Tensor;
import java.util.Arrays;

/**
 * top_entropy_quantile (grpo-spec §8.3): keep only the completion tokens whose entropy is at or above
 * the (1 − rho)-quantile of this micro-batch's loss-mask token entropies (torch.quantile's linear
 * interpolation). rho = 0 keeps the maximum-entropy token(s) only.
 */
public final class EntropyMask {
  private EntropyMask() {}

  /** [b, t] bool: H_t >= threshold and M_t = 1. */
  public static Tensor keep(Tensor entropies, Tensor mask, double rho) {
    Tensor m = mask.ne(0.0);
    double thr = threshold(entropies.maskedSelect(m).toDoubleArray(), rho);
    return entropies.ge(thr).logicalAnd(m);
  }

  /** The (1 − rho)-quantile with linear interpolation; +inf for no values (nothing kept). */
  public static double threshold(double[] values, double rho) {
    if (!(rho >= 0 && rho <= 1)) throw new IllegalArgumentException("top_entropy_quantile must be in [0, 1], got " + rho);
    if (values.length == 0) return Double.POSITIVE_INFINITY;
    double[] v = values.clone();
    Arrays.sort(v);
    double pos = (1 - rho) * (v.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(v.length - 1, lo + 1);
    return v[lo] + (pos - lo) * (v[hi] - v[lo]);
  }
}
