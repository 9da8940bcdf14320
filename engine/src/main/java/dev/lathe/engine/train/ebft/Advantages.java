package dev.lathe.engine.train.ebft;

/**
 * Strided mode's advantages over the n samples of one (document, block) (ebft-nemogym.md §A.7.8).
 * rloo uses the authors' component-wise leave-one-out baseline, which is independent of sample j:
 * alignment_coef·mean_{s≠j} alignment_s − diversity_coef·(Σ_s D_s − 2·D_j)/(n−2) (the second part only
 * when diversity_coef ≠ 0 and n > 2). Axolotl subtracts the plain leave-one-out mean of the rewards,
 * which still contains sample j through the other samples' diversity terms (a biased baseline).
 * group_norm is (r − mean)/(unbiased std + 1e-8) over the samples (Axolotl); reinforce is r itself.
 */
public final class Advantages {
  private Advantages() {}

  public static double[] of(EbftSettings.Estimator est, FeatureRewards.Group g, double alignmentCoef, double diversityCoef) {
    double[] r = g.reward();
    int n = r.length;
    double[] out = new double[n];
    switch (est) {
      case REINFORCE -> System.arraycopy(r, 0, out, 0, n);
      case GROUP_NORM -> {
        if (n < 2) throw new IllegalArgumentException("advantage_estimator: group_norm needs n_samples_per_prompt >= 2");
        double mean = 0;
        for (double x : r) mean += x / n;
        double ss = 0;
        for (double x : r) ss += (x - mean) * (x - mean);
        double std = Math.sqrt(ss / (n - 1));
        for (int i = 0; i < n; i++) out[i] = (r[i] - mean) / (std + 1e-8);
      }
      case RLOO -> {
        if (n < 2) throw new IllegalArgumentException("advantage_estimator: rloo needs n_samples_per_prompt >= 2");
        double sumA = 0, sumD = 0;
        for (int i = 0; i < n; i++) { sumA += g.alignment()[i]; sumD += g.diversity()[i]; }
        for (int j = 0; j < n; j++) {
          double base = alignmentCoef * (sumA - g.alignment()[j]) / (n - 1);
          if (diversityCoef != 0 && n > 2) base -= diversityCoef * (sumD - 2 * g.diversity()[j]) / (n - 2);
          out[j] = r[j] - base;
        }
      }
    }
    return out;
  }
}
