package dev.lathe.engine.align;

import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import java.util.List;
import java.util.Map;

/**
 * DPO and its loss family (rl: dpo / ipo), TRL LEGACY semantics: loss = mean_i Σ_k w_k·L_k,i
 * (+ rpo_alpha·NLL). With {@code ipo} among the terms every log-prob of the batch (policy and
 * reference, losses and metrics) is divided by its completion-token count first, as TRL does.
 * Reward metrics are weight-summed over the terms (so they scale with Σw), as TRL does.
 * Build through {@link Losses#dpo()}.
 */
public record DpoLoss(List<Weighted> terms, double beta, boolean referenceFree, Double rpoAlpha, FDivergence fDivergence)
    implements PairLoss {
  public DpoLoss {
    if (terms == null || terms.isEmpty()) throw new IllegalArgumentException("a DPO loss needs at least one loss_type");
    terms = List.copyOf(terms);
    if (fDivergence == null) fDivergence = FDivergence.REVERSE_KL;
    if (!(beta > 0) || !Double.isFinite(beta)) throw new IllegalArgumentException("beta must be > 0, got " + beta);
    if (rpoAlpha != null && (!Double.isFinite(rpoAlpha) || rpoAlpha < 0)) {
      throw new IllegalArgumentException("rpo_alpha must be >= 0, got " + rpoAlpha);
    }
  }

  public String method() { return "dpo"; }
  public boolean isReferenceFree() { return referenceFree; }

  private boolean averaged() { return terms.stream().anyMatch(w -> w.term().averagesLogps()); }

  public boolean needsTokenCounts() {
    return averaged() || terms.stream().anyMatch(w -> w.term() instanceof DpoTerm.SigmoidNorm);
  }

  public boolean needsNll() { return rpoAlpha != null || terms.stream().anyMatch(w -> w.term() instanceof DpoTerm.Sft); }

  /** The bco_pair running reward mean (training state to checkpoint), if a bco_pair term is present. */
  public java.util.Optional<RunningMean> bcoState() {
    return terms.stream().map(Weighted::term).filter(t -> t instanceof DpoTerm.BcoPair)
        .map(t -> ((DpoTerm.BcoPair) t).running()).findFirst();
  }

  /** The loss_type strings, in order. */
  public List<String> lossTypes() { return terms.stream().map(w -> w.term().typeName()).toList(); }

  public LossResult compute(PairLogps in) {
    check(in);
    try (Scope s = Scope.open()) {
      DpoBatch x = batch(in);
      Tensor perPair = null;
      for (Weighted w : terms) {
        Tensor l = w.term().perPair(x).mul(w.weight());
        perPair = perPair == null ? l : perPair.add(l);
      }
      Tensor loss = perPair.mean();
      if (rpoAlpha != null) loss = loss.add(in.chosenNll().reshape(), rpoAlpha);
      Map<String, Double> m = Grad.noGrad(() -> metrics(x, in));
      return new LossResult(s.keep(loss), m);
    }
  }

  private void check(PairLogps in) {
    if (!referenceFree && !in.hasReference()) {
      throw new IllegalArgumentException("DPO loss " + lossTypes() + " needs reference log-probs "
          + "(refChosen/refRejected) unless reference_free: true");
    }
    if (needsTokenCounts() && in.chosenTokens() == null) {
      throw new IllegalArgumentException("DPO loss " + lossTypes() + " needs completion token counts (PairLogps.withTokens)");
    }
    if (needsNll() && in.chosenNll() == null) {
      throw new IllegalArgumentException("DPO loss " + lossTypes() + (rpoAlpha != null ? " with rpo_alpha" : "")
          + " needs the chosen NLL (PairLogps.withNll, see Nll)");
    }
  }

  private DpoBatch batch(PairLogps in) {
    Tensor pc = Metrics.work(in.policyChosen()), pr = Metrics.work(in.policyRejected()).to(pc.dtype());
    // the reference is a constant: detached even if the caller's tensors carry a graph
    Tensor rc = referenceFree ? Tensors.zerosLike(pc) : in.refChosen().detach().to(pc.dtype());
    Tensor rr = referenceFree ? Tensors.zerosLike(pr) : in.refRejected().detach().to(pc.dtype());
    Tensor nc = in.chosenTokens() == null ? null : Metrics.counts(in.chosenTokens(), pc);
    Tensor nr = in.rejectedTokens() == null ? null : Metrics.counts(in.rejectedTokens(), pc);
    if (!averaged()) return new DpoBatch(beta, pc, pr, rc, rr, pc, pr, rc, rr, nc, nr, in.chosenNll(), fDivergence);
    return new DpoBatch(beta, pc.div(nc), pr.div(nr), rc.div(nc), rr.div(nr), pc, pr, rc, rr, nc, nr,
        in.chosenNll(), fDivergence);
  }

  private Map<String, Double> metrics(DpoBatch x, PairLogps in) {
    double wsum = terms.stream().mapToDouble(Weighted::weight).sum();
    Tensor chosen = x.rhoC().mul(beta * wsum);
    Tensor rejected = x.rhoR().mul(beta * wsum);
    Map<String, Double> m = Metrics.pair(chosen, rejected, x.pc(), x.pr(), in, false);
    if (needsNll()) m.put("nll_loss", in.chosenNll().detach().item());
    return m;
  }
}
