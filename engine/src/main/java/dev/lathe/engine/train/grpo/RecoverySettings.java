package dev.lathe.engine.train.grpo;

/**
 * What a run does about groups with no learning signal (grpo-spec §14.8-§14.10, §17.3): groups whose
 * reward does not vary teach nothing, since every advantage is 0. Each mechanism is off by default
 * and logs the metric that shows it acting.
 */
public final class RecoverySettings {
  /**
   * Skip the forward and backward of a micro-batch whose advantages are all 0 when its loss gradient is
   * provably 0 (beta = 0); metric {@code skipped_zero_adv_batches}: such micro-batches per update. Off by
   * default as in TRL's synchronous trainer (the YAML binder turns it on with async_prefetch, Axolotl's default there).
   */
  public boolean skipZeroAdvantageBatches = false;
  /** DAPO dynamic sampling: refill zero-variance groups with fresh prompts up to this many extra generations (0 = off). */
  public int dynamicSamplingAttempts = 0;
  /** A group's weighted reward std at or below this is "zero variance" (fp noise in shaped rewards, grpo-spec §17.3). */
  public double zeroStdTolerance = 1e-6;
  /** Groups with signal kept for replay (0 = off); zero-variance groups are replaced from it. */
  public int replayBufferSize = 0;
  /**
   * true: a replayed row's old log-probs are recomputed under the current policy (the PPO ratio starts
   * at 1); false: they are its sampler's log-probs from when it was generated (the ratio carries the lag).
   */
  public boolean replayRecomputeLogps = true;
  /** Deferred re-rolling starts at this fraction of the run's updates (1 = off). */
  public double rerollStartFraction = 1.0;
  /** Deferred prompts injected into one round, at most. */
  public int rerollMaxGroups = 1;

  public RecoverySettings validate() {
    if (dynamicSamplingAttempts < 0) throw bad("dynamic_sampling_max_attempts", dynamicSamplingAttempts, ">= 0 (0 = off)");
    if (!(zeroStdTolerance >= 0)) throw bad("dynamic_sampling_std_tolerance", zeroStdTolerance, ">= 0");
    if (replayBufferSize < 0) throw bad("replay_buffer_size", replayBufferSize, ">= 0 (0 = off)");
    if (!(rerollStartFraction >= 0 && rerollStartFraction <= 1)) throw bad("reroll_start_fraction", rerollStartFraction, "in [0, 1] (1 = off)");
    if (rerollMaxGroups < 1) throw bad("reroll_max_groups", rerollMaxGroups, ">= 1");
    return this;
  }

  public boolean rerolls() { return rerollStartFraction < 1.0; }

  /** Any mechanism that changes which groups a round trains on (and so has buffers to checkpoint). */
  public boolean changesRounds() { return dynamicSamplingAttempts > 0 || replayBufferSize > 0 || rerolls(); }

  private static IllegalArgumentException bad(String key, Object v, String expected) {
    return new IllegalArgumentException(key + ": expected " + expected + ", found " + v);
  }
}
