package dev.lathe.engine.train.grpo;

import dev.lathe.engine.align.GrpoInputs;
import dev.lathe.engine.align.GrpoLoss;
import dev.lathe.engine.align.LossResult;
import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.train.PhaseTimer;
import dev.lathe.engine.train.StepFunction;
import dev.lathe.engine.train.StepOutput;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One GRPO micro-batch: per-token log-probs of the completions under the policy (with grad, through the
 * chunked op at the sampling temperature), then the loss. The loss is normalised over the whole update
 * by the window the feed put in the batch, so the loop does not divide by the accumulation count.
 */
public final class GrpoStep implements StepFunction<GrpoBatch> {
  /** Micro-batches with beta > 0 and a KL of exactly 0 before the warning (the first update is on the reference). */
  static final int KL_WARN_AFTER = 12;
  private final CausalLM policy;
  private final GrpoLoss loss;
  private final double temperature;
  private final PrintStream log;
  private final boolean skipZeroAdvantage;
  private int zeroKl;
  private boolean warned;

  public GrpoStep(CausalLM policy, GrpoLoss loss, double temperature, PrintStream log) { this(policy, loss, temperature, log, false); }

  /**
   * @param skipZeroAdvantage skip_zero_advantage_batches: a micro-batch whose advantages are all 0 is not
   *     run when beta = 0, because then every term of its loss is A-weighted and its gradient is exactly 0
   *     (with beta != 0 the KL term still has a gradient, so it is trained)
   */
  public GrpoStep(CausalLM policy, GrpoLoss loss, double temperature, PrintStream log, boolean skipZeroAdvantage) {
    this.skipZeroAdvantage = skipZeroAdvantage && loss.beta() == 0;
    this.policy = policy;
    this.loss = loss;
    this.temperature = temperature;
    this.log = log;
  }

  @Override
  public StepOutput compute(GrpoBatch b, PhaseTimer timer) {
    if (skipZeroAdvantage && b.advantages().abs().max().item() == 0) return skipped(b);
    TokenLogps.Result pol = TokenLogps.withEntropy(policy, b, temperature);
    LossResult r = loss.compute(new GrpoInputs(pol.logps(), b.oldLogps(), b.refLogps(), b.advantages(), b.lossMask(), pol.entropy(), b.window(),
        b.samplerLogps()));
    Map<String, Double> metrics = new LinkedHashMap<>();
    if (b.roundMetrics() != null) metrics.putAll(b.roundMetrics());
    metrics.putAll(r.metrics());
    watchKl(r.metrics().get("kl"));
    return new StepOutput(r.loss(), metrics);
  }

  /**
   * A zero loss with a graph through every trainable parameter (0 x sum), so backward gives them an
   * exact zero gradient (every rank still runs one backward) without the forward pass.
   */
  private StepOutput skipped(GrpoBatch b) {
    Tensor zero = null;
    for (Tensor p : policy.trainableParameters()) {
      Tensor t = p.sum().mul(0.0);
      zero = zero == null ? t : zero.add(t);
    }
    Map<String, Double> metrics = new LinkedHashMap<>();
    if (b.roundMetrics() != null) metrics.putAll(b.roundMetrics());
    return new StepOutput(zero, metrics);
  }

  @Override
  public boolean normalisesOverUpdate() { return true; }

  private void watchKl(Double kl) {
    if (kl == null || warned) return;
    if (kl != 0) { zeroKl = -1_000_000; return; }
    if (++zeroKl >= KL_WARN_AFTER) {
      warned = true;
      log.println("warning: kl has stayed exactly 0 for " + zeroKl + " micro-batches with beta = " + loss.beta()
          + ": the policy is not moving away from the reference (learning_rate 0? adapters frozen? reference = policy?)");
    }
  }
}
