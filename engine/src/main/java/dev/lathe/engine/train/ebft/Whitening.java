package dev.lathe.engine.train.ebft;

/**
 * SVD whitening of one group's embeddings, in double (ebft-nemogym.md §A.5, Axolotl's semantics): with
 * Φ [n, d] the n generated embeddings, W = U·diag(inv)·Uᵀ where Φᵀ = U·S·Vᵀ (thin) and inv_i = 1/(S_i +
 * 1e-12) for S_i > 1e-5·max(S), else 0; i.e. the pseudo-inverse square root of ΦᵀΦ in feature space.
 * Both Φ and the ground truth g are mapped by the same W (Axolotl; the authors' code rescales g in
 * sample space instead). The singular pairs come from the n x n Gram matrix ΦΦᵀ by Jacobi rotations,
 * which is exact enough in double for the 1e-5 relative cut and avoids a d x d decomposition.
 *
 * Note: when rank(Φ) = n the whitened rows are orthonormal, so every diversity term is 0.
 */
public final class Whitening {
  static final double RELATIVE_CUT = 1e-5;
  static final double EPS = 1e-12;

  private Whitening() {}

  /** The whitened group and ground truths: gen [n, d] and gts [m, d] (each mapped by the same W). */
  public record Result(double[][] gen, double[][] gts) {}

  public static Result whiten(double[][] gen, double[]... gts) {
    int n = gen.length, d = gen[0].length;
    double[][] k = new double[n][n];
    for (int i = 0; i < n; i++) for (int j = i; j < n; j++) k[i][j] = k[j][i] = dot(gen[i], gen[j]);
    double[][] v = new double[n][n];
    double[] lambda = Jacobi.eigen(k, v); // K = V diag(lambda) Vᵀ, eigenvectors in the columns of v
    double[] sv = new double[n];
    double max = 0;
    for (int i = 0; i < n; i++) { sv[i] = Math.sqrt(Math.max(lambda[i], 0)); max = Math.max(max, sv[i]); }
    // u_i = Φᵀ v_i / s_i for the kept singular values
    double[][] u = new double[n][];
    double[] inv = new double[n];
    for (int i = 0; i < n; i++) {
      if (!(sv[i] > RELATIVE_CUT * max) || sv[i] == 0) continue;
      inv[i] = 1 / (sv[i] + EPS);
      u[i] = new double[d];
      for (int r = 0; r < n; r++) {
        double c = v[r][i] / sv[i];
        for (int x = 0; x < d; x++) u[i][x] += c * gen[r][x];
      }
    }
    double[][] outGen = new double[n][];
    for (int r = 0; r < n; r++) outGen[r] = apply(gen[r], u, inv);
    double[][] outGt = new double[gts.length][];
    for (int r = 0; r < gts.length; r++) outGt[r] = apply(gts[r], u, inv);
    return new Result(outGen, outGt);
  }

  /** x·W = Σ_i (x·u_i)·inv_i·u_iᵀ. */
  private static double[] apply(double[] x, double[][] u, double[] inv) {
    double[] out = new double[x.length];
    for (int i = 0; i < u.length; i++) {
      if (u[i] == null) continue;
      double c = dot(x, u[i]) * inv[i];
      for (int j = 0; j < x.length; j++) out[j] += c * u[i][j];
    }
    return out;
  }

  static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += a[i] * b[i];
    return s;
  }
}
