package dev.lathe.engine.align;

/**
 * TRL's {@code RunningMoments} as used by the LEGACY {@code bco_pair} loss: a running mean and
 * variance merged batch by batch (Chan et al.'s parallel update), starting from mean 0, var 1 and
 * a count of 1e-24 so the first batch effectively replaces the initial mean. Mutable training
 * state: the trainer saves {@link #mean()}, {@link #var()}, {@link #count()} in checkpoints and
 * restores them with {@link #restore}.
 */
public final class RunningMean {
  private double mean = 0.0;
  private double var = 1.0;
  private double count = 1e-24;

  /** Merges a batch of n values whose own mean and (biased) variance are given. */
  public synchronized void update(double batchMean, double batchVar, long n) {
    if (n < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + n);
    if (!Double.isFinite(batchMean) || !Double.isFinite(batchVar)) {
      throw new IllegalArgumentException("running-mean update with a non-finite value: mean=" + batchMean
          + " var=" + batchVar + " (the rewards of this batch are NaN/inf)");
    }
    double delta = batchMean - mean;
    double total = count + n;
    double merged = var * count + delta * delta * count * n / total + batchVar * n;
    mean += delta * n / total;
    var = merged / total;
    count = total;
  }

  /** Merges a single value (bco_pair feeds one scalar per batch). */
  public void update(double value) { update(value, 0.0, 1); }

  public synchronized double mean() { return mean; }
  public synchronized double var() { return var; }
  public synchronized double count() { return count; }

  /** Sets the state back, e.g. from a checkpoint. */
  public synchronized void restore(double mean, double var, double count) {
    if (!(count > 0) || !(var >= 0)) {
      throw new IllegalArgumentException("invalid running-mean state: var=" + var + " count=" + count);
    }
    this.mean = mean;
    this.var = var;
    this.count = count;
  }

  @Override
  public synchronized String toString() { return "RunningMean(mean=" + mean + ", var=" + var + ", count=" + count + ")"; }
}
