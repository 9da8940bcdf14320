package dev.lathe.engine.align;

import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small reductions used by the metric code (always on detached values). */
final class Metrics {
  private Metrics() {}

  static double mean(Tensor t) { return t.detach().mean().item(); }

  /** Fraction of entries where a > b (ties count as 0, as in TRL). */
  static double fractionGreater(Tensor a, Tensor b) {
    DType dt = a.dtype().isFloating() ? a.dtype() : DType.F32; // f64 inputs keep f64 precision
    return a.detach().gt(b.detach()).to(dt).mean().item();
  }

  /**
   * The dtype losses compute in: half-precision inputs (bf16/f16) are upcast to f32 — the tensors
   * are [b]-sized, and bf16 cannot even hold token counts above 256 exactly; f32/f64 stay as given.
   */
  static Tensor work(Tensor t) {
    return t.dtype() == DType.BF16 || t.dtype() == DType.F16 ? t.to(DType.F32) : t;
  }

  /**
   * The metrics every pair loss logs under TRL's names: rewards/* from the given per-pair rewards,
   * logps/* from the policy's log-probs, logits/* when the caller supplied mean logits. TRL's ORPO
   * and CPO trainers log the rejected side of logps/logits first; rejectedFirst keeps that order.
   */
  static Map<String, Double> pair(Tensor chosenRewards, Tensor rejectedRewards, Tensor chosenLogps,
                                  Tensor rejectedLogps, PairLogps in, boolean rejectedFirst) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("rewards/chosen", mean(chosenRewards));
    m.put("rewards/rejected", mean(rejectedRewards));
    m.put("rewards/accuracies", fractionGreater(chosenRewards, rejectedRewards));
    m.put("rewards/margins", mean(chosenRewards.sub(rejectedRewards)));
    String[] sides = rejectedFirst ? new String[]{"rejected", "chosen"} : new String[]{"chosen", "rejected"};
    for (String side : sides) m.put("logps/" + side, mean(side.equals("chosen") ? chosenLogps : rejectedLogps));
    for (String side : sides) {
      Double logits = side.equals("chosen") ? in.chosenLogitsMean() : in.rejectedLogitsMean();
      if (logits != null) m.put("logits/" + side, logits);
    }
    return m;
  }

  /** Token counts as floating [b] in the log-probs' dtype, clamped to >= 1 (empty completions). */
  static Tensor counts(Tensor tokens, Tensor like) {
    return tokens.to(like.dtype()).clampMin(1);
  }
}
