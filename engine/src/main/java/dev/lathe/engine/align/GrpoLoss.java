package dev.lathe.engine.align;

import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The GRPO policy loss of one micro-batch (grpo-spec §8, TRL main): the importance ratio (token or
 * sequence level), the per-token surrogate of the loss type, the top-entropy mask, the k3 KL term, then
 * the loss type's normaliser. Build through {@link Losses#grpo()}; docs/grpo.md lists the differences
 * from TRL (every normaliser divides by a property of the accumulation window, §8.5).
 *
 * @param epsilonLow clip below at 1 − epsilon
 * @param epsilonHigh clip above at 1 + epsilon_high (= epsilon when unset); cispo's cap
 * @param delta INTELLECT-2's cap on the unclipped ratio, or null
 * @param beta k3 KL coefficient (0: no reference model at all)
 * @param topEntropyQuantile rho; 1 keeps every token, below 1 only the tokens at or above the
 *     (1 − rho)-quantile of the micro-batch's completion-token entropies
 * @param maxCompletionLength dr_grpo's constant denominator
 * @param importanceSampling the sampler-mismatch correction (§9), or null = off; applied only to
 *     micro-batches that carry sampler log-probs
 * @param offPolicyMaskThreshold OPSM's delta (§10), or null = off
 */
public record GrpoLoss(Type type, double epsilonLow, double epsilonHigh, Double delta, double beta, Level level,
    double topEntropyQuantile, int maxCompletionLength, double sapoTemperaturePos, double sapoTemperatureNeg,
    ImportanceSampling importanceSampling, Double offPolicyMaskThreshold) {

  /** loss_type values; the YAML string is mapped once, in {@link Losses#grpo()}. */
  public enum Type {
    GRPO("grpo"), BNPO("bnpo"), DR_GRPO("dr_grpo"), DAPO("dapo"), CISPO("cispo"), SAPO("sapo"), LUSPO("luspo");

    public final String yaml;

    Type(String yaml) { this.yaml = yaml; }
  }

  /** importance_sampling_level: token (PPO/GRPO) or sequence (GSPO). */
  public enum Level { TOKEN, SEQUENCE }

  /** True when a reference model must be run (beta != 0). */
  public boolean needsReference() { return beta != 0; }

  /** True when the loss needs per-token entropies (the top-entropy mask). */
  public boolean needsEntropy() { return topEntropyQuantile < 1; }

  public LossResult compute(GrpoInputs in) {
    Tensor m = in.mask().to(in.logps().dtype()); // [b, t]
    Tensor logps = in.logps();
    Tensor old = in.oldLogps() != null ? in.oldLogps().to(logps.dtype()) : logps.detach();
    Tensor logRatio = logps.sub(old);
    Tensor logW = level == Level.SEQUENCE
        ? logRatio.mul(m).sum(1, true).div(m.sum(1, true).clampMin(1.0)) // [b, 1], GSPO
        : logRatio; // [b, t]
    Tensor w = logW.exp();
    Tensor a = in.advantages().to(logps.dtype()).unsqueeze(1); // [b, 1]
    Tensor perToken = surrogate(w, a, logps);
    Map<String, Double> extra = new LinkedHashMap<>();
    if (offPolicyMaskThreshold != null) { // §8.3 order: OPSM, entropy mask, IS weight, then + beta k3
      OffPolicyMask.Result keep = OffPolicyMask.keep(in.samplerLogps() != null ? in.samplerLogps() : old, logps, m, in.advantages(), offPolicyMaskThreshold);
      perToken = perToken.mul(keep.keep());
      extra.put("off_policy_mask/masked_frac", keep.maskedFraction());
    }
    if (needsEntropy()) {
      if (in.entropies() == null) throw new IllegalArgumentException("top_entropy_quantile < 1 needs per-token entropies");
      perToken = perToken.mul(EntropyMask.keep(in.entropies(), m, topEntropyQuantile).to(logps.dtype()));
    }
    if (importanceSampling != null && in.samplerLogps() != null) {
      ImportanceSampling.Result is = importanceSampling.compute(old, in.samplerLogps(), m);
      perToken = perToken.mul(is.weights());
      extra.putAll(is.metrics());
    }
    Tensor k3 = null;
    if (beta != 0) {
      if (in.refLogps() == null) throw new IllegalArgumentException("beta = " + beta + " needs reference log-probs");
      Tensor d = in.refLogps().to(logps.dtype()).sub(logps);
      k3 = d.exp().sub(d).sub(1.0); // >= 0, KL(pi_theta || pi_ref) estimate per token
      perToken = perToken.add(k3.mul(beta)); // after the IS/mask multipliers: neither clipped nor masked by entropy
    }
    Tensor loss = aggregate(perToken.mul(m), m, in.window());
    Map<String, Double> metrics = metrics(w, a, m, k3, in.entropies());
    metrics.putAll(extra);
    return new LossResult(loss, metrics);
  }

  /** The per-token loss l_t of §8.2 ([b, t], or [b, 1] at sequence level before masking). */
  private Tensor surrogate(Tensor w, Tensor a, Tensor logps) {
    return switch (type) {
      case CISPO -> w.clampMax(epsilonHigh).detach().mul(a).mul(logps).neg();
      case SAPO -> {
        Tensor tau = Tensors.where(a.gt(0.0), Tensors.fullLike(a, sapoTemperaturePos), Tensors.fullLike(a, sapoTemperatureNeg));
        yield w.sub(1.0).mul(tau).sigmoid().mul(a).mul(tau.reciprocal().mul(4.0)).neg();
      }
      default -> {
        Tensor clipped = w.clamp(1 - epsilonLow, 1 + epsilonHigh);
        Tensor unclipped = delta != null ? w.clampMax(delta) : w;
        yield unclipped.mul(a).minimum(clipped.mul(a)).neg();
      }
    };
  }

  /** §8.4 with every denominator taken over the accumulation window (see docs/grpo.md). */
  private Tensor aggregate(Tensor masked, Tensor m, GrpoInputs.Window win) {
    return switch (type) {
      case GRPO, SAPO -> masked.sum(1, false).div(m.sum(1, false).clampMin(1.0)).sum().div(win.rows());
      case BNPO -> masked.sum().div(Math.max(1.0, m.sum().item())).div(win.microBatches());
      case DR_GRPO -> masked.sum().div((double) win.rows() * maxCompletionLength);
      case DAPO, CISPO -> masked.sum().div(Math.max(1.0, win.tokens()));
      case LUSPO -> masked.sum().div(win.rows());
    };
  }

  private Map<String, Double> metrics(Tensor w, Tensor a, Tensor m, Tensor k3, Tensor entropies) {
    Map<String, Double> out = new LinkedHashMap<>();
    double tokens = m.sum().item();
    if (k3 != null) out.put("kl", tokens > 0 ? k3.detach().mul(m).sum().item() / tokens : 0.0);
    if (entropies != null) out.put("entropy", tokens > 0 ? entropies.to(m.dtype()).mul(m).sum().item() / tokens : 0.0);
    Tensor wd = w.detach().mul(Tensors.onesLike(m)); // [b, t] even at sequence level
    if (type == Type.CISPO) {
      out.put("cispo_clip_ratio", GrpoMetrics.tokenMean(wd.gt(epsilonHigh).logicalAnd(a.gt(0.0)), m, level));
      return out;
    }
    Tensor low = wd.lt(1 - epsilonLow).logicalAnd(a.lt(0.0));
    Tensor high = wd.gt(1 + epsilonHigh).logicalAnd(a.gt(0.0));
    out.put("clip_ratio/low_mean", GrpoMetrics.tokenMean(low, m, level));
    out.put("clip_ratio/low_min", GrpoMetrics.sequenceExtreme(low, m, false));
    out.put("clip_ratio/high_mean", GrpoMetrics.tokenMean(high, m, level));
    out.put("clip_ratio/high_max", GrpoMetrics.sequenceExtreme(high, m, true));
    out.put("clip_ratio/region_mean", GrpoMetrics.tokenMean(low.logicalOr(high), m, level));
    return out;
  }
}
