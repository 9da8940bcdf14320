package dev.lathe.engine.reward;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * How {@link CheckedRewardRunner} executes one reward call (one sample of a per-sample function, one group of a
 * per-group one): on threads ({@link TimedCalls}, the default) or in worker processes ({@link ProcessCalls},
 * {@link RewardIsolation}). The runner checks what comes back the same way for both. A call over the time limit
 * completes with a TimeoutException.
 */
interface RewardCalls extends AutoCloseable {
  CompletableFuture<Object> call(int fn, Reward reward, List<Sample> covered);

  /** Worker processes restarted so far (killed at the timeout or exited under a call); 0 for threads. */
  default int restarts() { return 0; }

  @Override
  void close();

  /** The thread strategy: the function runs in this JVM on the timed pool. */
  static RewardCalls threads(TimedCalls pool) {
    return new RewardCalls() {
      @Override
      public CompletableFuture<Object> call(int fn, Reward r, List<Sample> covered) {
        return r.perSample() != null ? pool.<Object>submit(() -> r.perSample().score(covered.get(0))) : pool.<Object>submit(() -> r.perGroup().score(covered));
      }

      @Override
      public void close() { pool.close(); }
    };
  }
}
