package dev.lathe.engine.train.methods;

import dev.lathe.engine.align.KtoLogps;
import dev.lathe.engine.align.KtoLoss;
import dev.lathe.engine.align.LossResult;
import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import dev.lathe.engine.train.PhaseTimer;
import dev.lathe.engine.train.StepFunction;
import dev.lathe.engine.train.StepOutput;

/**
 * KTO: summed completion log-probs of the rows (with grad), of the mismatched pairs (policy without
 * grad, as TRL), and the reference's for both; the loss weighs desirable and undesirable rows.
 */
public final class KtoStep implements StepFunction<KtoRows> {
  private final CausalLM policy;
  private final KtoLoss loss;
  private final Reference reference;

  public KtoStep(CausalLM policy, KtoLoss loss, Reference reference) {
    this.policy = policy;
    this.loss = loss;
    this.reference = reference;
  }

  @Override
  public StepOutput compute(KtoRows b, PhaseTimer timer) {
    SeqTensors seqs = SeqTensors.of(b.batch());
    Scored pol = Scored.of(policy, seqs);
    Tensor policyKl = null, refKl = null, ref;
    SeqTensors kl = b.mismatched() == null ? null : SeqTensors.of(b.mismatched());
    if (kl != null) {
      try (var g = Grad.disabled()) {
        policyKl = Scored.of(policy, kl).sums();
      }
    }
    try (var p = timer.phase("reference")) {
      ref = reference.sums(b.rows(), seqs);
      if (kl != null) refKl = reference.sums(null, kl);
    }
    boolean[] good = b.batch().desirable();
    KtoLogps in = KtoLogps.of(pol.sums(), ref, Tensors.of(good), policyKl, refKl)
        .withLogitsSums(logitsSum(pol, good, true), logitsSum(pol, good, false));
    LossResult r = loss.compute(in);
    return new StepOutput(r.loss(), r.metrics());
  }

  /** Σ of the completion logits over the rows of one side (TRL's logits/*_sum), or null when the side is absent. */
  private static Double logitsSum(Scored pol, boolean[] good, boolean side) {
    double[] sums = pol.logitSums().toDoubleArray();
    double s = 0;
    boolean any = false;
    for (int i = 0; i < good.length; i++) {
      if (good[i] == side) {
        s += sums[i];
        any = true;
      }
    }
    return any ? s : null;
  }
}
