package dev.lathe.engine.model;

import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Fused;

/**
 * Sigmoid DPO loss taken straight from final hidden states and the lm_head weight, with the output
 * layer run once per token: the op (shim_fused_dpo.cpp) walks one pair at a time, and since the
 * loss is a mean over pairs of a function of the pair's two summed log-probs, it knows dL/dlogits as
 * soon as the pair's logits exist and forms the hidden and weight gradients there (Liger's fused
 * linear cross-entropy idea, applied to a pair loss). Backward only scales them. Compared with
 * {@link LogProbs} followed by the loss, this saves recomputing the logits in backward (one of four
 * v x h matmuls per token) and never holds more than one pair's [rows, v] logits.
 *
 * <p>Loss = scale * mean_k [-(1-eps) log sigma(z_k) - eps log sigma(-z_k)],
 * z_k = beta * ((S_c - R_c) - (S_r - R_r)), S the summed label log-probs of a sequence, R the reference's.
 */
public final class FusedDpo {
  private FusedDpo() {}

  /**
   * @param loss scalar, differentiable w.r.t. hidden and weight
   * @param logps [N] per-token label log-probs (no grad)
   * @param logitSums [N] vocabulary-summed raw logits per token (no grad; TRL's logits metrics)
   */
  public record Result(Tensor loss, Tensor logps, Tensor logitSums) {}

  /**
   * @param hidden [N, h] the scored tokens' hidden states, grouped by sequence
   * @param weight [v, h] lm_head weight
   * @param labels [N] token ids in [0, v)
   * @param seq [N] sorted sequence ids: 0..b-1 chosen, b..2b-1 rejected (pair k is k and b+k)
   * @param ref [2b] reference sums in the same order (zeros for reference-free DPO)
   */
  public static Result sigmoid(Tensor hidden, Tensor weight, Tensor labels, Tensor seq, Tensor ref, double beta,
      double labelSmoothing, double scale) {
    Tensor[] out = Fused.dpoSigmoid(hidden, weight, labels, seq, ref, beta, labelSmoothing, scale);
    return new Result(out[0], out[1], out[2]);
  }
}
