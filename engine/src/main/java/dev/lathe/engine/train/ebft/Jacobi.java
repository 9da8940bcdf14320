package dev.lathe.engine.train.ebft;

/** Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations (double precision). */
final class Jacobi {
  private Jacobi() {}

  /** Returns the eigenvalues; v (n x n, overwritten) gets the matching unit eigenvectors as columns. a is destroyed. */
  static double[] eigen(double[][] a, double[][] v) {
    int n = a.length;
    for (int i = 0; i < n; i++) { java.util.Arrays.fill(v[i], 0); v[i][i] = 1; }
    for (int sweep = 0; sweep < 100; sweep++) {
      double off = 0, scale = 0;
      for (int i = 0; i < n; i++) {
        scale += a[i][i] * a[i][i];
        for (int j = i + 1; j < n; j++) off += a[i][j] * a[i][j];
      }
      if (off <= 1e-30 * Math.max(scale, Double.MIN_NORMAL)) break;
      for (int p = 0; p < n; p++) {
        for (int q = p + 1; q < n; q++) {
          if (a[p][q] == 0) continue;
          double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
          double t = Math.signum(theta == 0 ? 1 : theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
          double c = 1 / Math.sqrt(t * t + 1), s = t * c;
          for (int k = 0; k < n; k++) { // columns p, q
            double akp = a[k][p], akq = a[k][q];
            a[k][p] = c * akp - s * akq;
            a[k][q] = s * akp + c * akq;
          }
          for (int k = 0; k < n; k++) { // rows p, q
            double apk = a[p][k], aqk = a[q][k];
            a[p][k] = c * apk - s * aqk;
            a[q][k] = s * apk + c * aqk;
          }
          for (int k = 0; k < n; k++) {
            double vkp = v[k][p], vkq = v[k][q];
            v[k][p] = c * vkp - s * vkq;
            v[k][q] = s * vkp + c * vkq;
          }
        }
      }
    }
    double[] out = new double[n];
    for (int i = 0; i < n; i++) out[i] = a[i][i];
    return out;
  }
}
