package dev.lathe.engine.align;

import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import java.util.List;

/**
 * One DPO {@code loss_type}: a per-pair loss [b] over a {@link DpoBatch}. Formulas follow TRL's
 * LEGACY {@code dpo_loss} (v0.12–v0.28, see docs/align.md); {@link SigmoidNorm} is the CURRENT-era
 * extra. A {@link DpoLoss} holds a weighted list of these; the names are the YAML strings.
 */
public sealed interface DpoTerm {
  /** The YAML {@code loss_type} string. */
  String typeName();

  /** Per-pair loss, [b]. */
  Tensor perPair(DpoBatch x);

  /** Whether this term makes TRL length-average every log-prob of the batch (only ipo). */
  default boolean averagesLogps() { return false; }

  /** −(1−ε)·logσ(z) − ε·logσ(−z): cDPO / AOT form on an already β-scaled z. */
  static Tensor smoothed(Tensor z, double eps) {
    Tensor pos = z.logsigmoid().mul(-(1 - eps));
    return eps == 0 ? pos : pos.sub(z.neg().logsigmoid().mul(eps));
  }

  /** Sigmoid DPO; with label_smoothing ε > 0 it is conservative DPO (cDPO). */
  record Sigmoid(double labelSmoothing) implements DpoTerm {
    public String typeName() { return "sigmoid"; }
    public Tensor perPair(DpoBatch x) { return smoothed(x.fLogits().mul(x.beta()), labelSmoothing); }
  }

  /** SLiC hinge: max(0, 1 − βΔ). */
  record Hinge() implements DpoTerm {
    public String typeName() { return "hinge"; }
    public Tensor perPair(DpoBatch x) { return x.fLogits().mul(x.beta()).rsub(1).relu(); }
  }

  /** IPO: (Δ − 1/(2β))² on per-token averaged log-probs (the batch view is averaged whenever ipo is present). */
  record Ipo() implements DpoTerm {
    public String typeName() { return "ipo"; }
    public boolean averagesLogps() { return true; }
    public Tensor perPair(DpoBatch x) { return x.fLogits().sub(1 / (2 * x.beta())).pow(2); }
  }

  /** Robust DPO: [−(1−ε)logσ(βΔ) + ε·logσ(−βΔ)] / (1−2ε). */
  record Robust(double labelSmoothing) implements DpoTerm {
    public String typeName() { return "robust"; }
    public Tensor perPair(DpoBatch x) {
      Tensor z = x.fLogits().mul(x.beta());
      Tensor num = z.logsigmoid().mul(-(1 - labelSmoothing)).add(z.neg().logsigmoid().mul(labelSmoothing));
      return num.div(1 - 2 * labelSmoothing);
    }
  }

  /** EXO (pairwise): σ(z)(logσ(z) − log(1−ε)) + σ(−z)(logσ(−z) − log ε), z = βΔ, ε > 0. */
  record ExoPair(double labelSmoothing) implements DpoTerm {
    public String typeName() { return "exo_pair"; }
    public Tensor perPair(DpoBatch x) {
      Tensor z = x.fLogits().mul(x.beta());
      Tensor a = z.sigmoid().mul(z.logsigmoid().sub(Math.log(1 - labelSmoothing)));
      Tensor nz = z.neg();
      return a.add(nz.sigmoid().mul(nz.logsigmoid().sub(Math.log(labelSmoothing))));
    }
  }

  /**
   * BCO (pairwise) with TRL's running reward-mean baseline δ: δ is updated with the mean of
   * concat(βρ_c, βρ_r) of this batch BEFORE the loss, then −logσ(βρ_c − δ) − logσ(−(βρ_r − δ)).
   */
  record BcoPair(RunningMean running) implements DpoTerm {
    public String typeName() { return "bco_pair"; }
    public Tensor perPair(DpoBatch x) {
      Tensor rc = x.rhoC().mul(x.beta());
      Tensor rr = x.rhoR().mul(x.beta());
      double batchMean = Grad.noGrad(() -> Tensors.cat(List.of(rc, rr), 0).mean().item());
      running.update(batchMean);
      double d = running.mean();
      return rc.sub(d).logsigmoid().neg().sub(rr.sub(d).neg().logsigmoid());
    }
  }

  /** SPPO (hard labels): (ρ_c − 1/(2β))² + (ρ_r + 1/(2β))². */
  record SppoHard() implements DpoTerm {
    public String typeName() { return "sppo_hard"; }
    public Tensor perPair(DpoBatch x) {
      double h = 0.5 / x.beta();
      return x.rhoC().sub(h).pow(2).add(x.rhoR().add(h).pow(2));
    }
  }

  /** NCA (pairwise): −logσ(βρ_c) − ½logσ(−βρ_c) − ½logσ(−βρ_r). */
  record NcaPair() implements DpoTerm {
    public String typeName() { return "nca_pair"; }
    public Tensor perPair(DpoBatch x) {
      Tensor c = x.rhoC().mul(x.beta());
      Tensor r = x.rhoR().mul(x.beta());
      return c.logsigmoid().neg().sub(c.neg().logsigmoid().mul(0.5)).sub(r.neg().logsigmoid().mul(0.5));
    }
  }

  /** AOT (paired): d = sort(π_c − π_r) − sort(ref_c − ref_r) over the batch; cDPO form on βd. */
  record Aot(double labelSmoothing) implements DpoTerm {
    public String typeName() { return "aot"; }
    public Tensor perPair(DpoBatch x) {
      Tensor pol = x.pc().sub(x.pr()).sort(0, false)[0];
      Tensor ref = x.rc().sub(x.rr()).sort(0, false)[0];
      return smoothed(pol.sub(ref).mul(x.beta()), labelSmoothing);
    }
  }

  /** AOT (unpaired; CURRENT calls it aot_unpaired): d = sort(ρ_c) − sort(ρ_r); cDPO form on βd. */
  record AotPair(double labelSmoothing) implements DpoTerm {
    public String typeName() { return "aot_pair"; }
    public Tensor perPair(DpoBatch x) {
      Tensor c = x.rhoC().sort(0, false)[0];
      Tensor r = x.rhoR().sort(0, false)[0];
      return smoothed(c.sub(r).mul(x.beta()), labelSmoothing);
    }
  }

  /** APO-zero: (1 − σ(βρ_c)) + σ(βρ_r). */
  record ApoZero() implements DpoTerm {
    public String typeName() { return "apo_zero"; }
    public Tensor perPair(DpoBatch x) {
      return x.rhoC().mul(x.beta()).sigmoid().rsub(1).add(x.rhoR().mul(x.beta()).sigmoid());
    }
  }

  /** APO-down: σ(βρ_c) + (1 − σ(β(ρ_c − ρ_r))). */
  record ApoDown() implements DpoTerm {
    public String typeName() { return "apo_down"; }
    public Tensor perPair(DpoBatch x) {
      Tensor rc = x.rhoC();
      return rc.mul(x.beta()).sigmoid().add(rc.sub(x.rhoR()).mul(x.beta()).sigmoid().rsub(1));
    }
  }

  /** DiscoPOP: z = βΔ, w = σ(z/τ), (1 − w)(−logσ z) + w·exp(−z). */
  record Discopop(double tau) implements DpoTerm {
    public String typeName() { return "discopop"; }
    public Tensor perPair(DpoBatch x) {
      Tensor z = x.delta().mul(x.beta());
      Tensor w = z.div(tau).sigmoid();
      return z.logsigmoid().neg().mul(w.rsub(1)).add(z.neg().exp().mul(w));
    }
  }

  /** sigmoid_norm (CURRENT-era extra): −logσ(β(ρ_c/n_c − ρ_r/n_r)) from the raw sums. */
  record SigmoidNorm() implements DpoTerm {
    public String typeName() { return "sigmoid_norm"; }
    public Tensor perPair(DpoBatch x) { return x.averagedDelta("sigmoid_norm").mul(x.beta()).logsigmoid().neg(); }
  }

  /** sft: the chosen-token NLL, the same value for every pair (MPO-style mixtures). */
  record Sft() implements DpoTerm {
    public String typeName() { return "sft"; }
    public Tensor perPair(DpoBatch x) {
      if (x.nll() == null) {
        throw new IllegalArgumentException("loss_type 'sft' needs the chosen NLL (PairLogps.withNll)");
      }
      return x.nll().reshape().expand(x.pc().size(0));
    }
  }
}
