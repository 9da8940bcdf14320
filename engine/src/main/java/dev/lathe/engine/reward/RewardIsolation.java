package dev.lathe.engine.reward;

import java.util.List;

/**
 * Reward calls in worker JVM processes instead of threads (YAML {@code trl.reward_isolation: process}): a call
 * that hangs past the timeout is killed with its process, and a call that exits the JVM takes only its worker
 * down; either marks its samples unscorable and the worker is restarted. Reward functions are code in the
 * trainer's memory, so a worker rebuilds them: it instantiates {@code factory} (a {@link RewardWorker.Factory}
 * with a public no-argument constructor, on the trainer's classpath) and calls it with {@code argument} (for
 * YAML runs, the config file whose rewards.kts it loads). The worker's functions must have the trainer's names,
 * in order, with the same per-sample / per-group form; that is checked when a worker starts.
 *
 * @param jvmOptions extra options for the worker JVMs (the classpath and java binary are the trainer's)
 */
public record RewardIsolation(String factory, String argument, List<String> jvmOptions) {
  public RewardIsolation {
    if (factory == null || factory.isBlank()) throw new IllegalArgumentException("reward isolation needs a RewardWorker.Factory class name");
    argument = argument == null ? "" : argument;
    jvmOptions = jvmOptions == null ? List.of() : List.copyOf(jvmOptions);
  }

  public RewardIsolation(String factory, String argument) { this(factory, argument, List.of()); }
}
