package dev.lathe.engine.align;

import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.tensor.Tensor;

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

  /** Token counts as floating [b] in the log-probs' dtype, clamped to >= 1 (empty completions). */
  static Tensor counts(Tensor tokens, Tensor like) {
    return tokens.to(like.dtype()).clampMin(1);
  }
}
