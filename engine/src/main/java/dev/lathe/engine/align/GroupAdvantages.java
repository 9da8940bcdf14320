package dev.lathe.engine.align;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GRPO / GDPO advantages from per-function rewards (objectives-trl.md §7.3). Rows are completions,
 * {@code groupSize} consecutive rows share a prompt; columns are reward functions. NaN marks a
 * reward a function could not give (TRL's None) and is ignored by every sum, mean and std; rows
 * with no reward at all get advantage 0. Stds are unbiased (n − 1); ε = 1e-4.
 *
 * <ul>
 *   <li>SUM_THEN_NORMALIZE (GRPO): r = Σ_k w_k R_k; A = (r − mean_group r) / (σ + ε), σ = group std
 *       (scale_rewards group), batch std (batch), or no division (none).
 *   <li>NORMALIZE_THEN_SUM (GDPO): each R_k normalised within its group by its group mean and std,
 *       r = Σ_k w_k R̂_k, then A = (r − mean_batch r) / (std_batch r + ε); scale_rewards is ignored.
 * </ul>
 * Build through {@link Losses#grpoAdvantages}.
 */
public record GroupAdvantages(int groupSize, Scale scale, Aggregation aggregation, List<String> names, double[] weights) {
  public static final double EPS = 1e-4;

  public enum Scale { GROUP, BATCH, NONE }
  public enum Aggregation { SUM_THEN_NORMALIZE, NORMALIZE_THEN_SUM }

  /** Advantages [n] and TRL's reward metrics (reward, reward_std, rewards/name/mean|std, frac_reward_zero_std). */
  public record Result(double[] advantages, Map<String, Double> metrics) {}

  public GroupAdvantages {
    if (groupSize < 2) throw new IllegalArgumentException("num_generations must be >= 2, got " + groupSize);
    names = List.copyOf(names);
    weights = weights.clone();
    if (weights.length != names.size()) {
      throw new IllegalArgumentException("reward_weights: expected " + names.size() + " weights (one per reward function "
          + names + "), got " + weights.length);
    }
  }

  public Result compute(double[][] rewards) {
    check(rewards);
    int n = rewards.length;
    double[] raw = new double[n];
    for (int j = 0; j < n; j++) raw[j] = weightedSum(rewards[j]);
    double[] adv = new double[n];
    double[] sigma = new double[n]; // the std each row was scaled by (for frac_reward_zero_std)
    if (aggregation == Aggregation.SUM_THEN_NORMALIZE) {
      double batchStd = Stats.nanStd(raw, 0, n);
      for (int g = 0; g < n; g += groupSize) {
        double mu = Stats.nanMean(raw, g, g + groupSize);
        double sd = scale == Scale.BATCH ? batchStd : Stats.nanStd(raw, g, g + groupSize);
        for (int j = g; j < g + groupSize; j++) {
          sigma[j] = sd;
          adv[j] = scale == Scale.NONE ? raw[j] - mu : (raw[j] - mu) / (sd + EPS);
        }
      }
    } else {
      double[] summed = normalizedSum(rewards);
      double mu = Stats.nanMean(summed, 0, n), sd = Stats.nanStd(summed, 0, n);
      for (int j = 0; j < n; j++) adv[j] = (summed[j] - mu) / (sd + EPS);
      for (int g = 0; g < n; g += groupSize) {
        double s = Stats.nanStd(raw, g, g + groupSize);
        for (int j = g; j < g + groupSize; j++) sigma[j] = s;
      }
    }
    int zero = 0;
    for (int j = 0; j < n; j++) {
      if (Double.isNaN(raw[j])) adv[j] = 0.0; // unscorable row
      if (Math.abs(sigma[j]) <= 1e-8) zero++;
    }
    return new Result(adv, metrics(rewards, raw, (double) zero / n));
  }

  private double weightedSum(double[] row) {
    double s = 0;
    boolean any = false;
    for (int k = 0; k < row.length; k++) {
      if (!Double.isNaN(row[k])) { s += weights[k] * row[k]; any = true; }
    }
    return any ? s : Double.NaN;
  }

  /** GDPO: Σ_k w_k · (R_k − group mean) / (group std + ε), NaN entries skipped. */
  private double[] normalizedSum(double[][] rewards) {
    int n = rewards.length, k = weights.length;
    double[] out = new double[n];
    java.util.Arrays.fill(out, Double.NaN);
    double[] col = new double[n];
    for (int f = 0; f < k; f++) {
      for (int j = 0; j < n; j++) col[j] = rewards[j][f];
      for (int g = 0; g < n; g += groupSize) {
        double mu = Stats.nanMean(col, g, g + groupSize), sd = Stats.nanStd(col, g, g + groupSize);
        for (int j = g; j < g + groupSize; j++) {
          if (Double.isNaN(col[j])) continue;
          double z = weights[f] * (col[j] - mu) / (sd + EPS);
          out[j] = Double.isNaN(out[j]) ? z : out[j] + z;
        }
      }
    }
    return out;
  }

  /**
   * TRL's reward metrics of any set of scored samples, grouped or not (GRPO's evaluation may sample one
   * completion per prompt): reward and reward_std of the weighted sums, rewards/NAME/mean|std per function.
   */
  public Map<String, Double> rewardMetrics(double[][] rewards) {
    double[] raw = new double[rewards.length];
    for (int j = 0; j < rewards.length; j++) raw[j] = weightedSum(rewards[j]);
    return metrics(rewards, raw, Double.NaN);
  }

  private Map<String, Double> metrics(double[][] rewards, double[] raw, double fracZeroStd) {
    Map<String, Double> m = new LinkedHashMap<>();
    int n = rewards.length;
    m.put("reward", Stats.nanMean(raw, 0, n));
    m.put("reward_std", Stats.nanStd(raw, 0, n));
    double[] col = new double[n];
    for (int f = 0; f < names.size(); f++) {
      for (int j = 0; j < n; j++) col[j] = rewards[j][f];
      m.put("rewards/" + names.get(f) + "/mean", Stats.nanMean(col, 0, n));
      m.put("rewards/" + names.get(f) + "/std", Stats.nanStd(col, 0, n));
    }
    if (!Double.isNaN(fracZeroStd)) m.put("frac_reward_zero_std", fracZeroStd);
    return m;
  }

  private void check(double[][] rewards) {
    if (rewards.length == 0 || rewards.length % groupSize != 0) {
      throw new IllegalArgumentException("rewards: expected a multiple of num_generations " + groupSize
          + " rows, got " + rewards.length);
    }
    for (int j = 0; j < rewards.length; j++) {
      if (rewards[j].length != weights.length) {
        throw new IllegalArgumentException("rewards row " + j + ": expected " + weights.length + " values (one per reward function "
            + names + "), got " + rewards[j].length);
      }
      for (int k = 0; k < weights.length; k++) {
        if (Double.isInfinite(rewards[j][k])) {
          throw new IllegalArgumentException("reward function '" + names.get(k) + "' returned " + rewards[j][k]
              + " for completion " + j + " (use NaN/null for 'no reward')");
        }
      }
    }
  }

  /** NaN-ignoring mean and unbiased std over [from, to); std of fewer than 2 values is 0. */
  static final class Stats {
    private Stats() {}

    static double nanMean(double[] x, int from, int to) {
      double s = 0;
      int c = 0;
      for (int i = from; i < to; i++) if (!Double.isNaN(x[i])) { s += x[i]; c++; }
      return c == 0 ? Double.NaN : s / c;
    }

    static double nanStd(double[] x, int from, int to) {
      double mu = nanMean(x, from, to), s = 0;
      int c = 0;
      for (int i = from; i < to; i++) if (!Double.isNaN(x[i])) { s += (x[i] - mu) * (x[i] - mu); c++; }
      if (c == 0) return Double.NaN;
      return c < 2 ? 0.0 : Math.sqrt(s / (c - 1));
    }
  }
}
