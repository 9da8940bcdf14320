package dev.lathe.engine.align;

import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import java.util.Map;

/**
 * CPO and SimPO (TRL's CPOTrainer; rl: simpo is CPO with loss_type simpo). Reference-free.
 * a(y) = summed log-prob for sigmoid/hinge, per-token average for ipo/simpo; with AlphaPO
 * {@code alpha} ≠ 0, u(y) = (1 − e^{−alpha·a})/alpha replaces a. z = a_c − a_r, then
 * sigmoid: cDPO form on βz; hinge: relu(1 − βz); ipo: (z − 1/(2β))²; simpo: cDPO form on β(z − γ/β).
 * loss = mean_i L_i + cpo_alpha·NLL (NLL over chosen completion tokens; skipped when cpo_alpha = 0).
 */
public record CpoLoss(Type type, double beta, double labelSmoothing, double simpoGamma, double cpoAlpha, double alpha)
    implements PairLoss {

  /** CPO's loss_type values. */
  public enum Type {
    SIGMOID("sigmoid"), HINGE("hinge"), IPO("ipo"), SIMPO("simpo");
    public final String yaml;
    Type(String yaml) { this.yaml = yaml; }
    boolean averaged() { return this == IPO || this == SIMPO; }
  }

  public CpoLoss {
    if (type == null) throw new IllegalArgumentException("CPO loss type must not be null");
    if (!(beta > 0) || !Double.isFinite(beta)) throw new IllegalArgumentException("beta must be > 0, got " + beta);
    if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
      throw new IllegalArgumentException("label_smoothing must be in [0, 0.5), got " + labelSmoothing);
    }
    if (!Double.isFinite(simpoGamma)) throw new IllegalArgumentException("simpo_gamma must be finite, got " + simpoGamma);
    if (!(cpoAlpha >= 0) || !Double.isFinite(cpoAlpha)) throw new IllegalArgumentException("cpo_alpha must be >= 0, got " + cpoAlpha);
    if (!Double.isFinite(alpha)) throw new IllegalArgumentException("alpha (AlphaPO) must be finite, got " + alpha);
  }

  public String method() { return type == Type.SIMPO ? "simpo" : "cpo"; }
  public boolean isReferenceFree() { return true; }
  public boolean needsTokenCounts() { return type.averaged(); }
  public boolean needsNll() { return cpoAlpha != 0; }

  public LossResult compute(PairLogps in) {
    if (needsTokenCounts() && in.chosenTokens() == null) {
      throw new IllegalArgumentException("CPO loss_type " + type.yaml + " needs completion token counts (PairLogps.withTokens)");
    }
    if (needsNll() && in.chosenNll() == null) {
      throw new IllegalArgumentException("CPO with cpo_alpha " + cpoAlpha + " needs the chosen NLL (PairLogps.withNll); "
          + "set cpo_alpha: 0 for pure SimPO");
    }
    try (Scope s = Scope.open()) {
      Tensor pc = Metrics.work(in.policyChosen());
      Tensor ac = logps(pc, in.chosenTokens());
      Tensor ar = logps(Metrics.work(in.policyRejected()).to(pc.dtype()), in.rejectedTokens());
      Tensor uc = reward(ac), ur = reward(ar);
      Tensor loss = perPair(uc.sub(ur)).mean();
      if (cpoAlpha != 0) loss = loss.add(in.chosenNll().reshape(), cpoAlpha);
      Map<String, Double> m = Grad.noGrad(() -> metrics(ac, ar, uc, ur, in));
      return new LossResult(s.keep(loss), m);
    }
  }

  private Tensor logps(Tensor sum, Tensor tokens) {
    return type.averaged() ? sum.div(Metrics.counts(tokens, sum)) : sum;
  }

  /** AlphaPO's transform, or the identity when alpha = 0. */
  private Tensor reward(Tensor a) { return alpha == 0 ? a : a.mul(-alpha).exp().rsub(1).div(alpha); }

  private Tensor perPair(Tensor z) {
    return switch (type) {
      case SIGMOID -> DpoTerm.smoothed(z.mul(beta), labelSmoothing);
      case HINGE -> z.mul(beta).rsub(1).relu();
      case IPO -> z.sub(1 / (2 * beta)).pow(2);
      case SIMPO -> DpoTerm.smoothed(z.sub(simpoGamma / beta).mul(beta), labelSmoothing);
    };
  }

  private Map<String, Double> metrics(Tensor ac, Tensor ar, Tensor uc, Tensor ur, PairLogps in) {
    Map<String, Double> m = Metrics.pair(uc.mul(beta), ur.mul(beta), ac, ar, in, true);
    m.put("nll_loss", cpoAlpha == 0 ? 0.0 : in.chosenNll().detach().item()); // TRL logs 0 when cpo_alpha = 0
    return m;
  }
}
