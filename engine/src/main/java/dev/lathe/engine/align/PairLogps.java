package dev.lathe.engine.align;

import dev.lathe.engine.tensor.Tensor;
import java.util.Arrays;

/**
 * Per-sequence inputs of the pairwise losses (DPO family, ORPO, CPO/SimPO) for b preference pairs.
 *
 * <p>Log-probs are SUMS over completion tokens, [b] each ({@code S(y)} in objectives-trl.md); losses
 * that need averages divide by the token counts themselves. {@code refChosen}/{@code refRejected}
 * are null when no reference model runs (reference-free losses). {@code chosenTokens}/{@code
 * rejectedTokens} are completion-token counts [b] (any numeric dtype), needed by ipo, sigmoid_norm,
 * ORPO, SimPO and CPO-ipo. {@code chosenNll} is a scalar tensor (with graph) holding the token-mean
 * cross-entropy on chosen sequences ({@link Nll}); needed by rpo_alpha, the sft term, ORPO and CPO.
 * The logits means feed the {@code logits/chosen|rejected} metrics only and may be null.
 */
public record PairLogps(
    Tensor policyChosen,
    Tensor policyRejected,
    Tensor refChosen,
    Tensor refRejected,
    Tensor chosenTokens,
    Tensor rejectedTokens,
    Tensor chosenNll,
    Double chosenLogitsMean,
    Double rejectedLogitsMean) {

  public PairLogps {
    if (policyChosen == null || policyRejected == null) {
      throw new IllegalArgumentException("policyChosen and policyRejected log-probs are required");
    }
    long b = batchOf("policyChosen", policyChosen);
    sameBatch("policyRejected", policyRejected, b);
    if ((refChosen == null) != (refRejected == null)) {
      throw new IllegalArgumentException("give both refChosen and refRejected, or neither (got only "
          + (refChosen == null ? "refRejected" : "refChosen") + ")");
    }
    if (refChosen != null) {
      sameBatch("refChosen", refChosen, b);
      sameBatch("refRejected", refRejected, b);
    }
    if ((chosenTokens == null) != (rejectedTokens == null)) {
      throw new IllegalArgumentException("give both chosenTokens and rejectedTokens, or neither");
    }
    if (chosenTokens != null) {
      sameBatch("chosenTokens", chosenTokens, b);
      sameBatch("rejectedTokens", rejectedTokens, b);
    }
    if (chosenNll != null && chosenNll.numel() != 1) {
      throw new IllegalArgumentException("chosenNll must be a scalar, got " + chosenNll.describe());
    }
  }

  /** Policy and reference log-prob sums; the reference may be null for reference-free losses. */
  public static PairLogps of(Tensor policyChosen, Tensor policyRejected, Tensor refChosen, Tensor refRejected) {
    return new PairLogps(policyChosen, policyRejected, refChosen, refRejected, null, null, null, null, null);
  }

  /**
   * From one concatenated forward (rows [0, b) = prompt+chosen, [b, 2b) = prompt+rejected):
   * per-token log-probs [2b, t] and a 0/1 completion mask [2b, t] give the per-sequence sums and
   * token counts; {@code refSums} [2b] (reference sums in the same row order) may be null.
   */
  public static PairLogps fromConcatenated(Tensor tokenLogps, Tensor mask, Tensor refSums) {
    if (tokenLogps.dim() != 2 || tokenLogps.size(0) % 2 != 0 || !Arrays.equals(tokenLogps.shape(), mask.shape())) {
      throw new IllegalArgumentException("expected token log-probs and mask of the same shape [2b, t], got "
          + tokenLogps.describe() + " and " + mask.describe());
    }
    long b = tokenLogps.size(0) / 2;
    Tensor m = mask.to(tokenLogps.dtype());
    Tensor sums = tokenLogps.mul(m).sum(1, false);          // [2b]
    Tensor counts = mask.to(dev.lathe.engine.tensor.DType.I64).sum(1, false); // [2b]
    Tensor rc = null, rr = null;
    if (refSums != null) {
      if (refSums.dim() != 1 || refSums.size(0) != 2 * b) {
        throw new IllegalArgumentException("refSums must have shape [" + 2 * b + "], got " + refSums.describe());
      }
      rc = refSums.narrow(0, 0, b);
      rr = refSums.narrow(0, b, b);
    }
    return of(sums.narrow(0, 0, b), sums.narrow(0, b, b), rc, rr)
        .withTokens(counts.narrow(0, 0, b), counts.narrow(0, b, b));
  }

  public PairLogps withTokens(Tensor chosen, Tensor rejected) {
    return new PairLogps(policyChosen, policyRejected, refChosen, refRejected, chosen, rejected,
        chosenNll, chosenLogitsMean, rejectedLogitsMean);
  }

  public PairLogps withNll(Tensor nll) {
    return new PairLogps(policyChosen, policyRejected, refChosen, refRejected, chosenTokens, rejectedTokens,
        nll, chosenLogitsMean, rejectedLogitsMean);
  }

  public PairLogps withLogitsMeans(Double chosen, Double rejected) {
    return new PairLogps(policyChosen, policyRejected, refChosen, refRejected, chosenTokens, rejectedTokens,
        chosenNll, chosen, rejected);
  }

  public long batchSize() { return policyChosen.size(0); }

  public boolean hasReference() { return refChosen != null; }

  private static long batchOf(String name, Tensor t) {
    if (t.dim() != 1 || t.size(0) < 1) {
      throw new IllegalArgumentException(name + " must have shape [b] with b >= 1, got " + Arrays.toString(t.shape()));
    }
    return t.size(0);
  }

  private static void sameBatch(String name, Tensor t, long b) {
    if (t.dim() != 1 || t.size(0) != b) {
      throw new IllegalArgumentException(name + " must have shape [" + b + "] like policyChosen, got "
          + Arrays.toString(t.shape()));
    }
  }
}
