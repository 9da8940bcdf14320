package dev.lathe.engine.train.grpo;

/**
 * Async GRPO (grpo-spec §14; `trl.async_prefetch`): a producer thread generates and scores the next
 * rounds from a version-tagged snapshot of the weights while the trainer trains.
 *
 * @param prefetchDepth rounds the producer may have generated (or be generating) beyond the one in training
 * @param syncInterval the snapshot is refreshed from the policy every this many optimizer updates
 *     (vllm_sync_interval)
 * @param maxStaleness the admission bound on (updates done when a round is first trained) - (its
 *     weights' version), or null = the natural worst case of depth and interval (so admission never waits)
 */
public record AsyncSettings(int prefetchDepth, int syncInterval, Integer maxStaleness) {
  public AsyncSettings {
    if (prefetchDepth < 1) throw new IllegalArgumentException("prefetch_depth: expected >= 1, got " + prefetchDepth);
    if (syncInterval < 1) throw new IllegalArgumentException("vllm_sync_interval: expected >= 1, got " + syncInterval);
    if (maxStaleness != null && maxStaleness < syncInterval - 1) {
      // the trainer waits for round n having published at best its last multiple of the interval
      throw new IllegalArgumentException("max_staleness: expected >= vllm_sync_interval - 1 = " + (syncInterval - 1)
          + " (weights refreshed every " + syncInterval + " updates are up to " + (syncInterval - 1) + " updates old), got " + maxStaleness);
    }
  }

  /** The bound in updates: maxStaleness, or ceil(depth x updates per round) + interval - 1. */
  long bound(GrpoGeometry g) {
    if (maxStaleness != null) return maxStaleness;
    long perRound = (long) g.microStepsPerRound();
    long ahead = (prefetchDepth * perRound + g.accumulation() - 1) / g.accumulation();
    return ahead + syncInterval - 1;
  }
}
