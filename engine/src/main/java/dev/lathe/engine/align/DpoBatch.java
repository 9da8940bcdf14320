package dev.lathe.engine.align;

import dev.lathe.engine.tensor.Tensor;

/**
 * What every DPO term sees for b pairs. {@code pc, pr, rc, rr} are the policy/reference chosen and
 * rejected log-probs exactly as TRL (LEGACY) hands them to {@code dpo_loss}: sums, or per-token
 * averages when the loss list contains {@code ipo}. The raw sums and the token counts [b] (floating,
 * clamped to >= 1; null when not supplied) stay available for terms that normalise themselves.
 * Reference tensors are zeros when the loss is reference-free.
 */
public record DpoBatch(
    double beta,
    Tensor pc, Tensor pr, Tensor rc, Tensor rr,
    Tensor sumPc, Tensor sumPr, Tensor sumRc, Tensor sumRr,
    Tensor nc, Tensor nr,
    Tensor nll,
    FDivergence fDivergence) {

  /** ρ_c = log π(c) − log π_ref(c), [b]. */
  public Tensor rhoC() { return pc.sub(rc); }

  /** ρ_r, [b]. */
  public Tensor rhoR() { return pr.sub(rr); }

  /** Δ = (log π(c) − log π(r)) − (log π_ref(c) − log π_ref(r)), [b], computed in TRL's order. */
  public Tensor delta() { return pc.sub(pr).sub(rc.sub(rr)); }

  /**
   * The Δ the "Δ-family" (sigmoid, robust, exo_pair, hinge, ipo) feeds to its loss: plain Δ for
   * reverse_kl, else TRL LEGACY's f-divergence form of it.
   */
  public Tensor fLogits() { return fDivergence.logits(this); }

  /** Per-token averaged Δ from the raw sums (what IPO and sigmoid_norm use), [b]. */
  public Tensor averagedDelta(String term) {
    if (nc == null) {
      throw new IllegalArgumentException("loss_type '" + term + "' needs completion token counts "
          + "(PairLogps.withTokens) to length-normalise the log-probs");
    }
    Tensor c = sumPc.sub(sumRc).div(nc);
    Tensor r = sumPr.sub(sumRr).div(nr);
    return c.sub(r);
  }
}
