package dev.lathe.engine.train.methods;

import dev.lathe.engine.align.DpoLoss;
import dev.lathe.engine.align.DpoTerm;
import dev.lathe.engine.align.FDivergence;
import dev.lathe.engine.align.PairLogps;
import dev.lathe.engine.align.PairLoss;
import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.model.FusedDpo;
import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import dev.lathe.engine.train.StepOutput;
import java.util.Map;

/**
 * The pair step for plain sigmoid DPO (cDPO included) through {@link FusedDpo}: the loss and its
 * output-layer gradients in one pass over the completion tokens. Metrics come from the same
 * per-sequence sums through the loss's own code (no grad), so they are the plain path's.
 * Used only where it is exact: one sigmoid term, reverse KL, no NLL; and only while one pair's
 * [rows, v] float logits fit {@link #LOGITS_BUDGET} (otherwise the chunked path is lighter).
 */
public final class FusedPairStep {
  /** Bytes of one pair's logits above which the chunked path is used instead. */
  static final long LOGITS_BUDGET = 256L << 20;

  private FusedPairStep() {}

  /** The sigmoid term when the loss is exactly one (weighted) sigmoid DPO term, else null. */
  public static DpoTerm.Sigmoid sigmoidOnly(PairLoss loss) {
    if (!(loss instanceof DpoLoss d) || d.terms().size() != 1 || d.rpoAlpha() != null) return null;
    if (!d.fDivergence().equals(FDivergence.REVERSE_KL)) return null;
    return d.terms().get(0).term() instanceof DpoTerm.Sigmoid s ? s : null;
  }

  /** Whether one pair's logits stay within the budget, [2n] completion counts. */
  static boolean fits(SeqTensors t, int n, long vocab) {
    Tensor c = t.completion().sum(1, false);
    double rows = c.narrow(0, 0, n).add(c.narrow(0, n, n)).max().item();
    return rows * vocab * 4 <= LOGITS_BUDGET;
  }

  /** @param ref [2n] reference sums (chosen rows first), or null when the loss is reference-free */
  static StepOutput compute(CausalLM m, DpoLoss loss, DpoTerm.Sigmoid term, SeqTensors t, Tensor ref, int n) {
    long rows = 2L * n;
    try (Scope sc = Scope.open()) {
      ScoredTokens st = ScoredTokens.of(m, t, false); // [N] completion tokens, sorted by sequence
      Tensor seq = st.sequence();
      Tensor refs = ref == null ? Tensors.zeros(rows) : ref.detach().toFloat();
      FusedDpo.Result r = FusedDpo.sigmoid(st.hidden(), m.lmHeadWeight(), st.labels(), seq, refs, loss.beta(), term.labelSmoothing(),
          loss.terms().get(0).weight());
      Tensor sums = Tensors.zeros(rows).indexAdd(0, seq, r.logps());
      Tensor logitSums = Tensors.zeros(rows).indexAdd(0, seq, r.logitSums());
      Tensor counts = t.completion().narrow(1, 1, t.length() - 1).sum(1, false);
      long v = m.spec().vocabSize();
      PairLogps in = PairLogps.of(sums.narrow(0, 0, n), sums.narrow(0, n, n),
              ref == null ? null : ref.narrow(0, 0, n), ref == null ? null : ref.narrow(0, n, n))
          .withLogitsMeans(mean(logitSums, counts, 0, n, v), mean(logitSums, counts, n, n, v));
      Map<String, Double> metrics = Grad.noGrad(() -> loss.compute(in)).metrics();
      return new StepOutput(sc.keep(r.loss()), metrics);
    }
  }

  private static Double mean(Tensor logitSums, Tensor counts, int from, int count, long vocab) {
    double tokens = counts.narrow(0, from, count).sum().item();
    return tokens > 0 ? logitSums.narrow(0, from, count).sum().item() / (tokens * vocab) : null;
  }
}
