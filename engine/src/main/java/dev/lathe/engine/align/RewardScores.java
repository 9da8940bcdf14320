package dev.lathe.engine.align;

import dev.lathe.engine.tensor.Tensor;
import java.util.Arrays;

/** Reward-model scores for b pairs: chosen [b], rejected [b], optional margin [b] (the dataset's margin column). */
public record RewardScores(Tensor chosen, Tensor rejected, Tensor margin) {
  public RewardScores {
    if (chosen == null || rejected == null) throw new IllegalArgumentException("chosen and rejected scores are required");
    if (chosen.dim() != 1 || chosen.size(0) < 1) {
      throw new IllegalArgumentException("chosen scores must have shape [b], got " + Arrays.toString(chosen.shape()));
    }
    long b = chosen.size(0);
    for (var e : new Object[][] {{"rejected", rejected}, {"margin", margin}}) {
      Tensor t = (Tensor) e[1];
      if (t != null && (t.dim() != 1 || t.size(0) != b)) {
        throw new IllegalArgumentException(e[0] + " must have shape [" + b + "] like chosen, got " + Arrays.toString(t.shape()));
      }
    }
  }

  public static RewardScores of(Tensor chosen, Tensor rejected) { return new RewardScores(chosen, rejected, null); }
}
