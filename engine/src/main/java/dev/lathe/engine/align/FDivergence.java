package dev.lathe.engine.align;

import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.tensor.Tensor;

/**
 * DPO's f_divergence_type in TRL LEGACY form, applied only to the Δ-family loss types (sigmoid,
 * robust, exo_pair, hinge, ipo):
 * reverse_kl: Δ; js_divergence: Δ − (softplus(ρ_c) − softplus(ρ_r));
 * alpha_divergence (coef α = f_alpha_divergence_coef, LEGACY default 1.0):
 * (e^{−αρ_r} − e^{−αρ_c}) / α with each exponent capped at log(max of the dtype) (TRL's cap_exp).
 */
public record FDivergence(Kind kind, double alphaCoef) {
  public enum Kind {
    REVERSE_KL("reverse_kl"), JS_DIVERGENCE("js_divergence"), ALPHA_DIVERGENCE("alpha_divergence");
    public final String yaml;
    Kind(String yaml) { this.yaml = yaml; }
  }

  public static final FDivergence REVERSE_KL = new FDivergence(Kind.REVERSE_KL, 1.0);

  public FDivergence {
    if (kind == null) throw new IllegalArgumentException("f-divergence kind must not be null");
    if (!(alphaCoef > 0) || !Double.isFinite(alphaCoef)) {
      throw new IllegalArgumentException("f_alpha_divergence_coef: expected a number > 0, got " + alphaCoef);
    }
  }

  Tensor logits(DpoBatch x) {
    return switch (kind) {
      case REVERSE_KL -> x.delta();
      case JS_DIVERGENCE -> x.delta().sub(x.rhoC().softplus().sub(x.rhoR().softplus()));
      case ALPHA_DIVERGENCE -> capExp(x.rhoR().mul(-alphaCoef)).sub(capExp(x.rhoC().mul(-alphaCoef))).div(alphaCoef);
    };
  }

  /** exp with the exponent capped so the result stays finite in the tensor's dtype. */
  private static Tensor capExp(Tensor v) {
    double cap = switch (v.dtype()) {
      case F64 -> Math.floor(Math.log(Double.MAX_VALUE) * 1e4) / 1e4;
      case F16 -> Math.floor(Math.log(65504.0) * 1e4) / 1e4;
      default -> Math.floor(Math.log(Float.MAX_VALUE) * 1e4) / 1e4; // f32 (bf16 is upcast before)
    };
    return v.clampMax(cap).exp();
  }
}
