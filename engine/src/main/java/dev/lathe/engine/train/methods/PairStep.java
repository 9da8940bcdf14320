package dev.lathe.engine.train.methods;

import dev.lathe.engine.align.DpoLoss;
import dev.lathe.engine.align.DpoTerm;
import dev.lathe.engine.align.LossResult;
import dev.lathe.engine.align.Nll;
import dev.lathe.engine.align.OrpoLoss;
import dev.lathe.engine.align.PairLogps;
import dev.lathe.engine.align.PairLoss;
import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.train.PhaseTimer;
import dev.lathe.engine.train.StepFunction;
import dev.lathe.engine.train.StepOutput;

/**
 * DPO family, IPO, ORPO, CPO/SimPO: chosen and rejected in one forward (padded [2b, s] rows, or the packed
 * [1, T] row of {@link PairRows#packed}: no padding, the prompt shared), summed
 * completion log-probs through the chunked path, the reference (if the loss needs one), then the loss.
 */
public final class PairStep implements StepFunction<PairRows> {
  private final CausalLM policy;
  private final PairLoss loss;
  private final Reference reference;
  private final boolean fuse;

  public PairStep(CausalLM policy, PairLoss loss, Reference reference) { this(policy, loss, reference, true); }

  /** @param fuse take plain sigmoid DPO through {@link FusedPairStep} (false: always the plain path, for specs) */
  public PairStep(CausalLM policy, PairLoss loss, Reference reference, boolean fuse) {
    if (!loss.isReferenceFree() && reference == null) throw new IllegalArgumentException(loss.method() + " needs a reference model");
    this.policy = policy;
    this.loss = loss;
    this.reference = reference;
    this.fuse = fuse;
  }

  @Override
  public StepOutput compute(PairRows b, PhaseTimer timer) {
    int n = b.batch().pairs();
    SeqTensors seqs = b.tensors();
    DpoTerm.Sigmoid sigmoid = fuse ? FusedPairStep.sigmoidOnly(loss) : null;
    if (sigmoid != null && FusedPairStep.fits(seqs, n, policy.spec().vocabSize())) {
      Tensor ref = null;
      if (!loss.isReferenceFree()) {
        try (var p = timer.phase("reference")) {
          ref = reference.sums(b.rows(), seqs).toFloat();
        }
      }
      return FusedPairStep.compute(policy, (DpoLoss) loss, sigmoid, seqs, ref, n);
    }
    Scored pol = Scored.of(policy, seqs, loss instanceof OrpoLoss && loss.needsNll());
    Tensor ref = null;
    if (!loss.isReferenceFree()) {
      try (var p = timer.phase("reference")) {
        ref = reference.sums(b.rows(), seqs).to(pol.sums().dtype());
      }
    }
    PairLogps in = PairLogps.of(pol.sums().narrow(0, 0, n), pol.sums().narrow(0, n, n),
        ref == null ? null : ref.narrow(0, 0, n), ref == null ? null : ref.narrow(0, n, n));
    if (loss.needsTokenCounts()) in = in.withTokens(pol.counts().narrow(0, 0, n), pol.counts().narrow(0, n, n));
    if (loss.needsNll()) in = in.withNll(nll(pol, n));
    long v = policy.spec().vocabSize();
    in = in.withLogitsMeans(pol.logitsMean(0, n, v), pol.logitsMean(n, n, v));
    LossResult r = loss.compute(in);
    return new StepOutput(r.loss(), r.metrics());
  }

  /** Token-mean NLL of the chosen rows: completion tokens, or every real token for ORPO (TRL's choice). */
  private Tensor nll(Scored pol, int n) {
    Tensor mask = (loss instanceof OrpoLoss ? pol.realMask() : pol.completionMask()).narrow(0, 0, n);
    return Nll.tokenMean(pol.tokenLogps().narrow(0, 0, n).mul(mask), mask);
  }
}
