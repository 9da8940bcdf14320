package dev.lathe.engine.reward;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * The {@link RewardRunner}: every call of a round is queued at once (per-sample functions once per completion,
 * per-group functions once per prompt group) on the options' executor strategy ({@link RewardCalls}: threads of
 * this JVM, or killable worker processes with {@link RewardOptions#isolation()}), then the results are
 * checked in sample order so the first contract violation reported is the same on every run.
 *
 * <p>Outcomes per call: a finite value is kept; null is "cannot score" (counted in {@code nulls});
 * NaN/±inf, a wrong number of values or a missing list is a {@link RewardException} naming the function
 * and the sample or group; an exception or a timeout marks the sample (or the whole group) unscorable,
 * counted in {@code failures} and reported once per function and kind of failure (unless {@code strict},
 * which throws instead). Unscorable cells are NaN in the table, never 0.
 */
public final class CheckedRewardRunner implements RewardRunner {
  private final List<Reward> rewards;
  private final RewardOptions options;
  private final RewardCalls calls;
  private int restartsBefore;
  private int restartsInRound;
  private final Map<String, Set<String>> reported = new ConcurrentHashMap<>();

  public CheckedRewardRunner(List<Reward> rewards, RewardOptions options) {
    if (rewards == null || rewards.isEmpty()) throw new IllegalArgumentException("a reward runner needs at least one reward function");
    Set<String> names = new HashSet<>();
    for (Reward r : rewards) {
      if (!names.add(r.name())) throw new IllegalArgumentException("two reward functions are named '" + r.name() + "'; names label the metrics and must differ");
    }
    this.rewards = List.copyOf(rewards);
    this.options = options == null ? RewardOptions.defaults() : options;
    this.calls = this.options.isolation() == null ? RewardCalls.threads(new TimedCalls(this.options.workers(), this.options.timeout()))
        : new ProcessCalls(this.rewards, this.options.workers(), this.options.timeout(), this.options.isolation(), this.options.log());
  }

  public CheckedRewardRunner(List<Reward> rewards) { this(rewards, RewardOptions.defaults()); }

  @Override
  public List<Reward> rewards() { return rewards; }

  @Override
  public RewardTable score(List<Sample> samples, int groupSize) {
    checkLayout(samples, groupSize);
    int n = samples.size(), k = rewards.size();
    List<List<CompletableFuture<?>>> pending = new ArrayList<>(k);
    double[][] values = new double[n][k];
    for (double[] row : values) Arrays.fill(row, Double.NaN);
    RewardTable table = new RewardTable(values, new int[k], new int[k]);
    try {
      for (int j = 0; j < k; j++) pending.add(submit(j, samples, groupSize));
      for (int j = 0; j < k; j++) collect(j, pending.get(j), samples, groupSize, table);
    } finally {
      for (List<CompletableFuture<?>> fs : pending) for (CompletableFuture<?> f : fs) f.cancel(true);
      int now = calls.restarts();
      restartsInRound = now - restartsBefore;
      restartsBefore = now;
    }
    return table;
  }

  /** With worker processes: rewards/worker_restarts, the workers killed at the timeout or exited during the last round. */
  @Override
  public Map<String, Double> roundMetrics() {
    return options.isolation() == null ? Map.of() : Map.of("rewards/worker_restarts", (double) restartsInRound);
  }

  /** Queues every call of one function on the pool. */
  private List<CompletableFuture<?>> submit(int fn, List<Sample> samples, int g) {
    List<CompletableFuture<?>> fs = new ArrayList<>();
    Reward r = rewards.get(fn);
    if (r.perSample() != null) {
      for (Sample s : samples) fs.add(calls.call(fn, r, List.of(s)));
    } else {
      for (int start = 0; start < samples.size(); start += g) fs.add(calls.call(fn, r, List.copyOf(samples.subList(start, start + g))));
    }
    return fs;
  }

  private void collect(int j, List<CompletableFuture<?>> fs, List<Sample> samples, int g, RewardTable t) {
    Reward r = rewards.get(j);
    boolean perSample = r.perSample() != null;
    for (int c = 0; c < fs.size(); c++) {
      List<Sample> covered = perSample ? List.of(samples.get(c)) : samples.subList(c * g, c * g + g);
      Object out;
      try {
        out = await(fs.get(c));
      } catch (ExecutionException e) {
        failed(j, covered, perSample, e.getCause(), t);
        continue;
      }
      if (perSample) accept(j, c, samples.get(c), out, t);
      else acceptGroup(j, c * g, covered, out, t);
    }
  }

  private static Object await(CompletableFuture<?> f) throws ExecutionException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RewardException("interrupted while waiting for reward functions", e);
    }
  }

  private void accept(int j, int i, Sample s, Object v, RewardTable t) {
    if (v == null) {
      t.nulls()[j]++;
      return;
    }
    if (!(v instanceof Number num)) {
      String type = v instanceof RewardWire.Foreign f ? f.type() : v.getClass().getSimpleName(); // a worker process names the type
      throw new RewardException(who(j) + " returned a " + type + " (" + v + ") for " + s.describe() + "; expected a Double or null");
    }
    double d = num.doubleValue();
    if (!Double.isFinite(d)) {
      throw new RewardException(who(j) + " returned " + d + " for " + s.describe() + "; rewards must be finite (return null when a sample cannot be scored)");
    }
    t.values()[i][j] = d;
  }

  private void acceptGroup(int j, int first, List<Sample> group, Object out, RewardTable t) {
    String where = "prompt " + group.get(0).group() + " (samples " + first + ".." + (first + group.size() - 1) + ")";
    if (!(out instanceof List<?> list)) {
      String found = out == null ? "null" : "a " + (out instanceof RewardWire.Foreign f ? f.type() : out.getClass().getSimpleName());
      throw new RewardException(who(j) + " returned " + found + " for " + where + "; expected a list of " + group.size() + " values, one per completion");
    }
    if (list.size() != group.size()) {
      throw new RewardException(who(j) + " returned " + list.size() + " value" + (list.size() == 1 ? "" : "s") + " for " + where
          + "; expected " + group.size() + ", one per completion of the group (values are never broadcast)");
    }
    for (int m = 0; m < list.size(); m++) accept(j, first + m, group.get(m), list.get(m), t);
  }

  private void failed(int j, List<Sample> covered, boolean perSample, Throwable cause, RewardTable t) {
    String thrown = cause instanceof RewardWorkerException w ? w.kind() : cause.getClass().getName(); // in a worker: the user's exception
    String what = cause instanceof TimeoutException ? "timed out (" + cause.getMessage() + ")"
        : cause instanceof RewardWorkerException w && w.kind().equals("worker exit") ? "ended its worker process (" + cause.getMessage() + ")"
        : "threw " + thrown + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    String where = perSample ? covered.get(0).describe()
        : "prompt " + covered.get(0).group() + " (" + covered.size() + " samples; first " + covered.get(0).describe() + ")";
    if (options.strict()) throw new RewardException(who(j) + " " + what + " on " + where + " (strict: failures are errors)", cause);
    t.failures()[j] += covered.size();
    String kind = cause instanceof TimeoutException ? "timeout" : thrown;
    if (reported.computeIfAbsent(rewards.get(j).name(), x -> ConcurrentHashMap.newKeySet()).add(kind)) {
      options.log().accept("warning: " + who(j) + " " + what + " on " + where + "; marked unscorable (NaN, not 0)."
          + " Later failures of this kind are only counted (rewards/" + rewards.get(j).name() + "/failures)");
    }
  }

  private String who(int j) { return "reward function '" + rewards.get(j).name() + "'"; }

  private static void checkLayout(List<Sample> samples, int g) {
    if (g < 1) throw new IllegalArgumentException("group size must be at least 1, got " + g);
    if (samples.size() % g != 0) {
      throw new IllegalArgumentException(samples.size() + " samples do not split into groups of " + g);
    }
    for (int i = 0; i < samples.size(); i++) {
      Sample s = samples.get(i), head = samples.get(i - i % g);
      if (s.group() != head.group()) {
        throw new IllegalArgumentException("sample " + i + " belongs to prompt " + s.group() + " but sits in the group of prompt " + head.group()
            + "; a round holds the " + g + " completions of each prompt consecutively");
      }
    }
  }

  @Override
  public void close() { calls.close(); }
}
