package dev.lathe.engine.align;

import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.tensor.Tensor;
import java.util.Arrays;

/**
 * Inputs of the KTO loss for b unpaired rows. {@code policy}/{@code ref}: summed completion
 * log-probs [b]; {@code desirable}: bool [b] (TRL's label); {@code policyKl}/{@code refKl}: summed
 * log-probs [b] of the mismatched (prompt, completion) pairs, computed without grad — needed by
 * loss_type kto, null for apo_zero_unpaired. The logits sums (Σ of all logits of the desirable /
 * undesirable rows) feed TRL's {@code logits/*_sum} metrics only and may be null.
 */
public record KtoLogps(
    Tensor policy, Tensor ref, Tensor desirable, Tensor policyKl, Tensor refKl,
    Double chosenLogitsSum, Double rejectedLogitsSum) {

  public KtoLogps {
    if (policy == null || ref == null || desirable == null) {
      throw new IllegalArgumentException("KTO needs policy and reference log-probs and the desirable labels");
    }
    if (policy.dim() != 1 || policy.size(0) < 1) {
      throw new IllegalArgumentException("policy must have shape [b] with b >= 1, got " + Arrays.toString(policy.shape()));
    }
    long b = policy.size(0);
    same("ref", ref, b);
    same("desirable", desirable, b);
    if (desirable.dtype() != DType.BOOL) {
      throw new IllegalArgumentException("desirable must be a bool tensor, got " + desirable.dtype().torchName);
    }
    if ((policyKl == null) != (refKl == null)) {
      throw new IllegalArgumentException("give both policyKl and refKl (mismatched-pair log-probs), or neither");
    }
    if (policyKl != null) {
      if (policyKl.dim() != 1 || refKl.dim() != 1 || policyKl.size(0) != refKl.size(0) || policyKl.size(0) < 1) {
        throw new IllegalArgumentException("policyKl and refKl must both have shape [k], got "
            + Arrays.toString(policyKl.shape()) + " and " + Arrays.toString(refKl.shape()));
      }
    }
  }

  public static KtoLogps of(Tensor policy, Tensor ref, Tensor desirable, Tensor policyKl, Tensor refKl) {
    return new KtoLogps(policy, ref, desirable, policyKl, refKl, null, null);
  }

  public KtoLogps withLogitsSums(Double chosen, Double rejected) {
    return new KtoLogps(policy, ref, desirable, policyKl, refKl, chosen, rejected);
  }

  private static void same(String name, Tensor t, long b) {
    if (t.dim() != 1 || t.size(0) != b) {
      throw new IllegalArgumentException(name + " must have shape [" + b + "] like policy, got " + Arrays.toString(t.shape()));
    }
  }
}
