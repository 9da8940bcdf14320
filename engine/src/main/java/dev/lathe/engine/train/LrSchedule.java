package dev.lathe.engine.train;

/**
 * Learning-rate multiplier for each optimizer update, with Hugging Face's indexing: update k
 * (0-based) uses factor(k, total), so with warmup the very first update has lr 0, exactly as a
 * transformers LambdaLR stepped after each optimizer.step().
 */
public sealed interface LrSchedule {
  /** The multiplier of the peak learning rate at update step (0-based) of total. */
  double factor(long step, long total);

  /** Warmup length in updates for a run of total updates. */
  Warmup warmup();

  /** Either a fixed number of warmup updates or a fraction of the run (warmup_ratio). */
  record Warmup(long steps, double ratio) {
    public static final Warmup NONE = new Warmup(0, 0);

    public Warmup {
      if (steps < 0) throw new IllegalArgumentException("warmup_steps must be >= 0, got " + steps);
      if (ratio < 0 || ratio >= 1) throw new IllegalArgumentException("warmup_ratio must be in [0, 1), got " + ratio);
      if (steps > 0 && ratio > 0) throw new IllegalArgumentException("warmup_steps and warmup_ratio are mutually exclusive");
    }

    public static Warmup steps(long n) { return new Warmup(n, 0); }
    public static Warmup ratio(double r) { return new Warmup(0, r); }

    /** transformers: ceil(ratio * total) when a ratio is given. */
    public long resolve(long total) { return ratio > 0 ? (long) Math.ceil(ratio * total) : steps; }

    /** Linear ramp 0 -> 1 over the warmup, or -1 after it. */
    double ramp(long step, long total) {
      long w = resolve(total);
      return step < w ? (double) step / Math.max(1, w) : -1;
    }
  }

  /** constant_with_warmup (plain constant when there is no warmup). */
  record Constant(Warmup warmup) implements LrSchedule {
    public double factor(long step, long total) {
      double r = warmup.ramp(step, total);
      return r >= 0 ? r : 1.0;
    }
  }

  /** Linear decay to 0 at the end of the run, after warmup. */
  record Linear(Warmup warmup) implements LrSchedule {
    public double factor(long step, long total) {
      double r = warmup.ramp(step, total);
      if (r >= 0) return r;
      long w = warmup.resolve(total);
      return Math.max(0.0, (double) (total - step) / Math.max(1, total - w));
    }
  }

  /**
   * Half-cosine decay after warmup, down to minLrRatio of the peak (Axolotl's
   * cosine_min_lr_ratio; 0 gives transformers' get_cosine_schedule_with_warmup).
   */
  record Cosine(Warmup warmup, double minLrRatio) implements LrSchedule {
    public Cosine {
      if (minLrRatio < 0 || minLrRatio > 1) throw new IllegalArgumentException("cosine_min_lr_ratio must be in [0, 1], got " + minLrRatio);
    }

    public double factor(long step, long total) {
      double r = warmup.ramp(step, total);
      if (r >= 0) return r;
      long w = warmup.resolve(total);
      double progress = Math.min(1.0, (double) (step - w) / Math.max(1, total - w));
      double cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
      return minLrRatio + (1 - minLrRatio) * cosine;
    }
  }
}
