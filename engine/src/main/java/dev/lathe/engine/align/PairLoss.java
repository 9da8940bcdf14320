package dev.lathe.engine.align;

/** Losses over (chosen, rejected) pairs: the DPO family, ORPO, CPO/SimPO. */
public sealed interface PairLoss extends AlignLoss permits DpoLoss, OrpoLoss, CpoLoss {
  /** Loss and metrics of one micro-batch; the loss tensor belongs to the caller's current scope. */
  LossResult compute(PairLogps in);

  /** Whether {@link PairLogps#chosenTokens()} counts are required. */
  boolean needsTokenCounts();

  /** Whether {@link PairLogps#chosenNll()} is required. */
  boolean needsNll();
}
