package dev.lathe.engine.reward;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * How {@link CheckedRewardRunner} calls reward code.
 *
 * @param workers calls that may run at once (YAML {@code reward_num_workers} maps here); at least 1
 * @param timeout per call (one sample, or one group for a per-group function); null = no limit. A call
 *     that runs longer marks its samples unscorable (or fails, with {@code strict}); its thread is
 *     interrupted, but the JVM cannot kill a thread, so code that ignores interrupts keeps a thread busy
 *     (the pool adds one meanwhile)
 * @param strict a function that throws or times out fails the round instead of marking samples unscorable
 * @param log where the first failure of each function (and each new kind of failure) is reported
 * @param isolation null: calls run on threads of this JVM; else in {@code workers} worker processes that are
 *     killed at the timeout and restarted ({@link RewardIsolation}, YAML {@code trl.reward_isolation: process})
 */
public record RewardOptions(int workers, Duration timeout, boolean strict, Consumer<String> log, RewardIsolation isolation) {
  public RewardOptions {
    if (workers < 1) throw new IllegalArgumentException("reward workers must be at least 1, got " + workers);
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      throw new IllegalArgumentException("reward timeout must be positive, got " + timeout);
    }
    if (log == null) log = System.err::println;
  }

  public RewardOptions(int workers, Duration timeout, boolean strict, Consumer<String> log) { this(workers, timeout, strict, log, null); }

  /** One worker per core, no timeout, lenient, warnings to stderr. */
  public static RewardOptions defaults() {
    return new RewardOptions(Math.max(1, Runtime.getRuntime().availableProcessors()), null, false, null);
  }

  public RewardOptions withWorkers(int n) { return new RewardOptions(n, timeout, strict, log, isolation); }

  public RewardOptions withTimeout(Duration t) { return new RewardOptions(workers, t, strict, log, isolation); }

  public RewardOptions withStrict(boolean s) { return new RewardOptions(workers, timeout, s, log, isolation); }

  public RewardOptions withLog(Consumer<String> l) { return new RewardOptions(workers, timeout, strict, l, isolation); }

  /** Reward calls in killable worker processes (null: threads). */
  public RewardOptions withIsolation(RewardIsolation i) { return new RewardOptions(workers, timeout, strict, log, i); }
}
