package dev.lathe.engine.align;

import dev.lathe.engine.tensor.Tensor;

/** Reductions for GRPO's clip-ratio metrics (detached values in, plain numbers out). */
final class GrpoMetrics {
  private GrpoMetrics() {}

  /**
   * Mean of a [b, t] indicator over loss-mask tokens; at sequence level over sequences with at least one
   * token (each sequence has one ratio, so TRL counts sequences there). 0 when nothing is masked in.
   */
  static double tokenMean(Tensor indicator, Tensor m, GrpoLoss.Level level) {
    Tensor x = indicator.to(m.dtype()).mul(m);
    if (level == GrpoLoss.Level.TOKEN) {
      double n = m.sum().item();
      return n > 0 ? x.sum().item() / n : 0.0;
    }
    double[] per = perSequence(x, m);
    double s = 0;
    int c = 0;
    for (double v : per) if (!Double.isNaN(v)) { s += v; c++; }
    return c > 0 ? s / c : 0.0;
  }

  /** Min (or max) over sequences of the per-sequence token mean; sequences without tokens are skipped. */
  static double sequenceExtreme(Tensor indicator, Tensor m, boolean max) {
    double best = Double.NaN;
    for (double v : perSequence(indicator.to(m.dtype()).mul(m), m)) {
      if (Double.isNaN(v)) continue;
      if (Double.isNaN(best) || (max ? v > best : v < best)) best = v;
    }
    return Double.isNaN(best) ? 0.0 : best;
  }

  private static double[] perSequence(Tensor masked, Tensor m) {
    double[] num = masked.sum(1, false).toDoubleArray();
    double[] den = m.sum(1, false).toDoubleArray();
    double[] out = new double[num.length];
    for (int i = 0; i < num.length; i++) out[i] = den[i] > 0 ? num[i] / den[i] : Double.NaN;
    return out;
  }
}
