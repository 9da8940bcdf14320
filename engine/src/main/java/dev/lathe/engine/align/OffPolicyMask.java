package dev.lathe.engine.align;

import dev.lathe.engine.tensor.Tensor;

/**
 * Off-policy sequence masking (grpo-spec §10, DeepSeek-V3.2; `off_policy_mask_threshold` = delta): a
 * completion whose advantage is negative and whose behaviour policy has drifted too far from the
 * current one is dropped from the loss. Evaluated per micro-batch with the current parameters.
 *
 * <pre>
 *   kl_i   = sum_t M_t (behaviour l_t - sg(l_t)) / max(1, sum_t M_t)   (may be negative)
 *   keep_i = A_i >= 0  or  kl_i <= delta
 * </pre>
 *
 * The behaviour log-probs are the sampler's when known, else the old policy's.
 */
public final class OffPolicyMask {
  private OffPolicyMask() {}

  /**
   * @param behaviour [b, t] sampler (or old) log-probs
   * @param logps [b, t] current policy log-probs (detached here)
   * @param mask [b, t]
   * @param advantages [b]
   * @return keep [b, 1] in logps' dtype, and the fraction of rows (with tokens) it drops
   */
  public static Result keep(Tensor behaviour, Tensor logps, Tensor mask, Tensor advantages, double delta) {
    Tensor m = mask.to(logps.dtype());
    Tensor kl = behaviour.to(logps.dtype()).sub(logps.detach()).mul(m).sum(1, true).div(m.sum(1, true).clampMin(1.0)); // [b, 1]
    Tensor a = advantages.to(logps.dtype()).unsqueeze(1); // [b, 1]
    Tensor keep = a.ge(0.0).logicalOr(kl.le(delta)).to(logps.dtype());
    double[] k = keep.toDoubleArray(), n = m.sum(1, false).toDoubleArray();
    int rows = 0, dropped = 0;
    for (int i = 0; i < k.length; i++) {
      if (n[i] <= 0) continue;
      rows++;
      if (k[i] == 0) dropped++;
    }
    return new Result(keep, rows > 0 ? (double) dropped / rows : 0.0);
  }

  public record Result(Tensor keep, double maskedFraction) {}
}
