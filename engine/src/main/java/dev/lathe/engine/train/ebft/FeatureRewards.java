package dev.lathe.engine.train.ebft;

/**
 * The feature-matching reward of one group (one prompt, or one document block), in double
 * (ebft-nemogym.md §A.1, §A.6.3, §A.7.7): the n samples' embeddings and the ground truth's, optionally
 * whitened (else, when {@code normalise}, L2-normalised: structured mode), then
 * alignment_i = 2·cos(φ_i, g), diversity_i = 2/(n-1)·Σ_{j≠i} φ_i·φ_j (0 when n = 1),
 * reward_i = alignment_coef·alignment_i − diversity_coef·diversity_i, and the logged feature distance
 * cfm = ‖mean_i φ_i − g‖² (the CFM loss the reward is a REINFORCE estimate of).
 */
public final class FeatureRewards {
  private FeatureRewards() {}

  public record Group(double[] alignment, double[] diversity, double[] reward, double cfm) {}

  public static Group score(double[][] gen, double[] gt, double alignmentCoef, double diversityCoef, boolean whiten, boolean normalise) {
    int n = gen.length;
    double[][] e;
    double[] g;
    if (whiten && n > 1) {
      Whitening.Result w = Whitening.whiten(gen, gt);
      e = w.gen();
      g = w.gts()[0];
    } else if (normalise) {
      e = new double[n][];
      for (int i = 0; i < n; i++) e[i] = unit(gen[i]);
      g = unit(gt);
    } else {
      e = gen;
      g = gt;
    }
    double[] align = new double[n], div = new double[n], r = new double[n];
    double gNorm = Math.sqrt(Whitening.dot(g, g));
    for (int i = 0; i < n; i++) {
      double ni = Math.sqrt(Whitening.dot(e[i], e[i]));
      align[i] = 2 * Whitening.dot(e[i], g) / Math.max(ni * gNorm, 1e-8); // torch's cosine_similarity eps
      if (n > 1) {
        double s = 0;
        for (int j = 0; j < n; j++) if (j != i) s += Whitening.dot(e[i], e[j]);
        div[i] = 2 * s / (n - 1);
      }
      r[i] = alignmentCoef * align[i] - diversityCoef * div[i];
    }
    double[] mean = new double[g.length];
    for (double[] x : e) for (int k = 0; k < g.length; k++) mean[k] += x[k] / n;
    double cfm = 0;
    for (int k = 0; k < g.length; k++) cfm += (mean[k] - g[k]) * (mean[k] - g[k]);
    return new Group(align, div, r, cfm);
  }

  static double[] unit(double[] x) {
    double norm = Math.max(Math.sqrt(Whitening.dot(x, x)), 1e-12); // F.normalize's eps
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) out[i] = x[i] / norm;
    return out;
  }
}
