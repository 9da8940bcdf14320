package dev.lathe.engine.reward;

import java.util.List;

/**
 * Scores a generation round with every reward function under the checked contract (docs/design.md,
 * "Rewards"): one finite value or null per completion; a function that throws marks that sample (or,
 * per-group, that group) unscorable for that function, counted and logged with the function's name and
 * the sample; a NaN/infinite value or a wrong count is an error naming the function and the sample.
 * Implemented by the rewards work (issue 8); this interface is the seam the GRPO step calls.
 */
public interface RewardRunner extends AutoCloseable {
  /**
   * @param samples the round, groups of {@code groupSize} consecutive samples
   * @return [n][k] rewards, NaN where function k could not score sample n, plus the failure counts
   */
  RewardTable score(List<Sample> samples, int groupSize);

  /** The functions, in column order. */
  List<Reward> rewards();

  /** Extra metrics of the last scored round (e.g. EBFT's ebft/*), logged with the round's; none by default. */
  default java.util.Map<String, Double> roundMetrics() { return java.util.Map.of(); }

  @Override
  default void close() {}

  /** [n][k] values (NaN = unscorable) and per-function counts of samples that failed or returned null. */
  record RewardTable(double[][] values, int[] failures, int[] nulls) {}
}
