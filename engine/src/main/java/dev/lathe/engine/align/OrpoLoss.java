package dev.lathe.engine.align;

import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import java.util.Map;

/**
 * ORPO (rl: orpo; Axolotl's orpo_alpha is TRL's beta): with a = per-token average completion
 * log-prob, L_odds = (a_c − a_r) − (log(1 − e^{a_c}) − log(1 − e^{a_r})) and
 * loss = NLL − β·mean logσ(L_odds). Reference-free. The NLL is TRL's: token-mean cross-entropy
 * over the chosen sequences INCLUDING prompt tokens (only padding masked) — the caller builds it.
 */
public record OrpoLoss(double beta) implements PairLoss {
  public OrpoLoss {
    if (!(beta > 0) || !Double.isFinite(beta)) throw new IllegalArgumentException("orpo_alpha (beta) must be > 0, got " + beta);
  }

  public String method() { return "orpo"; }
  public boolean isReferenceFree() { return true; }
  public boolean needsTokenCounts() { return true; }
  public boolean needsNll() { return true; }

  /**
   * log(1 − e^a) for a < 0, stable on both sides of −ln 2 (CURRENT TRL's log1mexp; LEGACY's
   * log1p(−e^a) is the same number but loses precision near 0). Each branch sees only its own
   * domain (clamped), so the unused branch never puts an inf/NaN into the gradient.
   */
  static Tensor log1mexp(Tensor a) {
    double cut = -Math.log(2);
    Tensor nearZero = a.clampMin(cut).expm1().neg().log(); // log(−expm1(a)), a > −ln 2
    Tensor farAway = a.clampMax(cut).exp().neg().log1p();  // log1p(−e^a),     a <= −ln 2
    return Tensors.where(a.gt(cut), nearZero, farAway);
  }

  public LossResult compute(PairLogps in) {
    if (in.chosenTokens() == null || in.chosenNll() == null) {
      throw new IllegalArgumentException("ORPO needs completion token counts (PairLogps.withTokens) and the chosen NLL (withNll)");
    }
    try (Scope s = Scope.open()) {
      Tensor pc = Metrics.work(in.policyChosen()), pr = Metrics.work(in.policyRejected()).to(pc.dtype());
      Tensor ac = pc.div(Metrics.counts(in.chosenTokens(), pc));
      Tensor ar = pr.div(Metrics.counts(in.rejectedTokens(), pr));
      Tensor logOdds = ac.sub(ar).sub(log1mexp(ac).sub(log1mexp(ar)));
      Tensor ratio = logOdds.logsigmoid();
      Tensor loss = in.chosenNll().reshape().sub(ratio.mean().mul(beta));
      Map<String, Double> m = Grad.noGrad(() -> metrics(ac, ar, ratio, logOdds, in));
      return new LossResult(s.keep(loss), m);
    }
  }

  private Map<String, Double> metrics(Tensor ac, Tensor ar, Tensor ratio, Tensor logOdds, PairLogps in) {
    Map<String, Double> m = Metrics.pair(ac.mul(beta), ar.mul(beta), ac, ar, in, true);
    m.put("nll_loss", in.chosenNll().detach().item());
    m.put("log_odds_ratio", Metrics.mean(ratio));  // TRL's names: mean logσ(L_odds) ...
    m.put("log_odds_chosen", Metrics.mean(logOdds)); // ... and mean L_odds
    return m;
  }
}
