package dev.lathe.engine.align;

import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * KTO (rl: kto). KL anchor z0 = max(0, mean(policyKl − refKl)), detached. Per row with ρ = policy − ref:
 * desirable λ_D·(1 − σ(β(ρ − z0))), undesirable λ_U·(1 − σ(β(z0 − ρ))); loss = mean over all b rows.
 * loss_type apo_zero_unpaired: desirable λ_D(1 − σ(βρ)), undesirable λ_U·σ(βρ), no KL term.
 * Metrics are TRL's per-micro-batch sums and counts ({@code rewards/chosen_sum}, {@code count/chosen},
 * ...); {@link KtoMetrics#reduce} turns a logging window of them into {@code rewards/chosen} etc.
 * Multi-process: z0 is the clamp of the mean over devices; the caller averages before the clamp.
 */
public record KtoLoss(Type type, double beta, double desirableWeight, double undesirableWeight) implements AlignLoss {

  /** KTO's loss_type values. */
  public enum Type {
    KTO("kto"), APO_ZERO_UNPAIRED("apo_zero_unpaired");
    public final String yaml;
    Type(String yaml) { this.yaml = yaml; }
  }

  public KtoLoss {
    if (type == null) throw new IllegalArgumentException("KTO loss type must not be null");
    if (!(beta > 0) || !Double.isFinite(beta)) throw new IllegalArgumentException("beta must be > 0, got " + beta);
    if (!(desirableWeight > 0) || !Double.isFinite(desirableWeight)) {
      throw new IllegalArgumentException("kto_desirable_weight must be > 0, got " + desirableWeight);
    }
    if (!(undesirableWeight > 0) || !Double.isFinite(undesirableWeight)) {
      throw new IllegalArgumentException("kto_undesirable_weight must be > 0, got " + undesirableWeight);
    }
  }

  public String method() { return "kto"; }
  public boolean isReferenceFree() { return false; }

  /** Whether the trainer must compute the mismatched-pair (KL) log-probs. */
  public boolean needsKl() { return type == Type.KTO; }

  /** z0 = max(0, mean(policyKl − refKl)), detached, as a double. */
  public static double klAnchor(Tensor policyKl, Tensor refKl) {
    return Grad.noGrad(() -> Math.max(0.0, policyKl.detach().sub(refKl.detach()).mean().item()));
  }

  public LossResult compute(KtoLogps in) {
    if (needsKl() && in.policyKl() == null) {
      throw new IllegalArgumentException("KTO loss_type kto needs the mismatched-pair log-probs (policyKl/refKl); "
          + "they need a per-device batch > 1, or use loss_type apo_zero_unpaired");
    }
    try (Scope s = Scope.open()) {
      double z0 = needsKl() ? klAnchor(in.policyKl(), in.refKl()) : 0.0;
      Tensor pol = Metrics.work(in.policy());
      Tensor rho = pol.sub(in.ref().detach().to(pol.dtype())); // the reference is a constant
      Tensor z = rho.mul(beta);
      Tensor good, bad;
      if (type == Type.KTO) {
        good = z.sub(beta * z0).sigmoid().rsub(1);
        bad = z.neg().add(beta * z0).sigmoid().rsub(1);
      } else {
        good = z.sigmoid().rsub(1);
        bad = z.sigmoid();
      }
      Tensor perRow = Tensors.where(in.desirable(), good.mul(desirableWeight), bad.mul(undesirableWeight));
      Tensor loss = perRow.mean();
      Map<String, Double> m = Grad.noGrad(() -> metrics(z0, z, pol, in));
      return new LossResult(s.keep(loss), m);
    }
  }

  private Map<String, Double> metrics(double z0, Tensor rewards, Tensor policy, KtoLogps in) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("kl", z0);
    Tensor d = in.desirable();
    Tensor u = d.logicalNot();
    long nd = (long) d.toFloat().sum().item(), nu = (long) u.toFloat().sum().item();
    if (nd > 0) put(m, "chosen", rewards, policy, d, in.chosenLogitsSum(), nd);
    if (nu > 0) put(m, "rejected", rewards, policy, u, in.rejectedLogitsSum(), nu);
    return m;
  }

  private static void put(Map<String, Double> m, String side, Tensor rewards, Tensor logps, Tensor mask,
      Double logitsSum, long count) {
    m.put("rewards/" + side + "_sum", rewards.detach().maskedSelect(mask).sum().item());
    m.put("logps/" + side + "_sum", logps.detach().maskedSelect(mask).sum().item());
    if (logitsSum != null) m.put("logits/" + side + "_sum", logitsSum);
    m.put("count/" + side, (double) count);
  }
}
