package dev.lathe.engine.align;

import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * TR-DPO's reference update (sync_ref_model, ref_model_mixup_alpha, ref_model_sync_steps), as
 * TRL's SyncRefModelCallback: at the end of every optimizer step where
 * {@code globalStep % ref_model_sync_steps == 0}, θ_ref ← (1 − α)·θ_ref + α·θ. The trainer calls
 * {@link #due} after each optimizer step and {@link #mix} on the two parameter lists (same order).
 */
public final class RefSync {
  private RefSync() {}

  /** TRL's CURRENT/LEGACY defaults (OLD v0.9 used 0.9 / 64). */
  public static final double DEFAULT_ALPHA = 0.6;
  public static final long DEFAULT_SYNC_STEPS = 512;

  public static boolean due(long globalStep, long syncSteps) {
    if (syncSteps < 1) throw new IllegalArgumentException("ref_model_sync_steps must be >= 1, got " + syncSteps);
    return globalStep > 0 && globalStep % syncSteps == 0;
  }

  /** In place, without grad: ref[i] ← (1 − alpha)·ref[i] + alpha·policy[i] (policy cast to ref's dtype). */
  public static void mix(List<Tensor> ref, List<Tensor> policy, double alpha) {
    if (!(alpha >= 0 && alpha <= 1)) throw new IllegalArgumentException("ref_model_mixup_alpha must be in [0, 1], got " + alpha);
    if (ref.size() != policy.size()) {
      throw new IllegalArgumentException("reference has " + ref.size() + " parameters, policy has " + policy.size());
    }
    for (int i = 0; i < ref.size(); i++) {
      if (!Arrays.equals(ref.get(i).shape(), policy.get(i).shape())) {
        throw new IllegalArgumentException("parameter " + i + ": reference " + ref.get(i).describe()
            + " vs policy " + policy.get(i).describe());
      }
    }
    try (Scope s = Scope.open(); var g = Grad.disabled()) {
      for (int i = 0; i < ref.size(); i++) {
        Tensor r = ref.get(i), p = policy.get(i);
        r.lerp_(p.dtype() == r.dtype() ? p : p.to(r.dtype()), alpha);
      }
    }
  }
}
