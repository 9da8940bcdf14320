package dev.lathe.engine.train.grpo;

import java.util.List;

/**
 * One prompt's G completions with their rewards: the unit that dynamic sampling, re-rolling and the
 * replay buffer move around. Rows keep the prompt's index, never padded ids, so a group replayed into
 * another round is laid out from its own prompt by GrpoBatch (no padding mix-up, grpo-spec §14.8).
 *
 * @param rows G rows, advantage not yet set (advantages are computed on the round as trained)
 * @param texts the decoded completions, for the reward log
 * @param rewards [G][k] values, NaN = unscorable
 * @param replayed taken from the replay buffer (its rows were generated in an earlier round)
 */
record ScoredGroup(int prompt, List<RolloutRow> rows, List<String> texts, double[][] rewards, boolean replayed) {

  /** The weighted reward sum per member; NaN when no function scored it (TRL's unscorable row). */
  double[] sums(double[] weights) {
    double[] out = new double[rewards.length];
    for (int j = 0; j < out.length; j++) {
      double s = 0;
      boolean any = false;
      for (int k = 0; k < weights.length; k++) {
        if (!Double.isNaN(rewards[j][k])) { s += weights[k] * rewards[j][k]; any = true; }
      }
      out[j] = any ? s : Double.NaN;
    }
    return out;
  }

  /** NaN-aware Bessel std of the weighted sums; NaN with fewer than two scorable members (then every advantage is 0). */
  double std(double[] weights) {
    double[] r = sums(weights);
    double mean = 0;
    int n = 0;
    for (double v : r) if (!Double.isNaN(v)) { mean += v; n++; }
    if (n < 2) return Double.NaN;
    mean /= n;
    double ss = 0;
    for (double v : r) if (!Double.isNaN(v)) ss += (v - mean) * (v - mean);
    return Math.sqrt(ss / (n - 1));
  }

  /** No learning signal: the weighted reward does not vary beyond the tolerance (or cannot be measured). */
  boolean zeroVariance(double[] weights, double tolerance) { return !(std(weights) > tolerance); }

  /** Every scored value of every function is 0 (the prompt is too hard for now: a re-roll candidate, Axolotl's rule). */
  boolean allZero() {
    boolean any = false;
    for (double[] row : rewards) {
      for (double v : row) {
        if (Double.isNaN(v)) continue;
        if (Math.abs(v) >= 1e-6) return false;
        any = true;
      }
    }
    return any;
  }

  /** Replay priority: std x sum of |r - mean| of the weighted sums (TRL's sum |A| x std, before scaling). */
  double score(double[] weights) {
    double[] r = sums(weights);
    double s = std(weights);
    if (Double.isNaN(s)) return 0;
    double mean = 0;
    int n = 0;
    for (double v : r) if (!Double.isNaN(v)) { mean += v; n++; }
    mean /= n;
    double dev = 0;
    for (double v : r) if (!Double.isNaN(v)) dev += Math.abs(v - mean);
    return s * dev;
  }

  /** This group taken from the replay buffer; with recompute false its old log-probs are its sampler's. */
  ScoredGroup replay(boolean recompute) {
    List<RolloutRow> out = rows.stream().map(x -> new RolloutRow(x.prompt(), x.completion(), x.truncated(), 0, recompute ? null : x.samplerLogps(),
        null, x.thresholds(), x.samplerLogps(), x.policyVersion(), x.envMask())).toList();
    return new ScoredGroup(prompt, out, texts, rewards, true);
  }
}
