package dev.lathe.engine.train.grpo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.engine.train.Stateful;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Recovers the compute zero-variance groups waste (grpo-spec §14.8, §14.9, §17.3), applied by RoundMaker
 * between scoring and advantages, in this order:
 * <ol>
 *   <li>re-roll injection: from round {@code startRound} the last prompts of a round are replaced by
 *       deferred ones (at most reroll_max_groups), so a deferred prompt IS tried again (Axolotl's hook is
 *       never called);</li>
 *   <li>deferral: a group whose every reward is 0 (too hard for now) puts its prompt in the deferred queue;</li>
 *   <li>dynamic sampling (DAPO): zero-variance groups are refilled with groups of fresh prompts (a seeded
 *       draw from the training set, not in the round), up to dynamic_sampling_max_attempts extra generations;</li>
 *   <li>replay: zero-variance groups still left are replaced by groups drawn from the buffer of earlier
 *       rounds; then this round's groups with signal are offered to the buffer.</li>
 * </ol>
 * Advantages are computed afterwards on the round as trained. The queue and the buffer are written to
 * checkpoints ({@value #FILE}); every draw is seeded by the run's seed and the round number.
 */
final class GroupRecovery implements Stateful {
  static final String FILE = "grpo_buffers.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final RecoverySettings s;
  private final double[] weights;
  private final int prompts;
  private final long seed;
  private final long startRound;
  private final ReplayBuffer replay;
  private final ArrayDeque<Integer> deferred = new ArrayDeque<>();

  /** @param startRound the first round that takes deferred prompts (Long.MAX_VALUE = re-rolling off) */
  GroupRecovery(RecoverySettings s, double[] weights, int prompts, long seed, long startRound) {
    this.s = s;
    this.weights = weights;
    this.prompts = prompts;
    this.seed = seed;
    this.startRound = s.rerolls() ? startRound : Long.MAX_VALUE;
    this.replay = new ReplayBuffer(s.replayBufferSize);
  }

  /** Step 1: the round's prompt indices with deferred prompts in the last places; counts in metrics. */
  int[] inject(long number, int[] chosen, Map<String, Double> metrics) {
    int[] out = chosen.clone();
    int n = 0;
    if (number >= startRound) {
      Set<Integer> present = new HashSet<>();
      for (int p : out) present.add(p);
      while (n < s.rerollMaxGroups && n < out.length && !deferred.isEmpty()) {
        int p = deferred.poll();
        if (present.contains(p)) continue; // already in this round by the permutation
        out[out.length - 1 - n] = p;
        present.add(p);
        n++;
      }
    }
    if (s.rerolls()) metrics.put("reroll/injected", (double) n);
    return out;
  }

  /** Steps 2-4 on the round's groups; generate makes and scores the groups of fresh prompt indices. */
  List<ScoredGroup> recover(long number, List<ScoredGroup> groups, Function<int[], List<ScoredGroup>> generate, Map<String, Double> metrics) {
    List<ScoredGroup> out = new ArrayList<>(groups);
    if (s.rerolls()) {
      int added = 0;
      for (ScoredGroup g : groups) if (g.allZero() && !deferred.contains(g.prompt())) { deferred.add(g.prompt()); added++; }
      metrics.put("reroll/deferred", (double) added);
      metrics.put("reroll/buffer_size", (double) deferred.size());
    }
    if (s.dynamicSamplingAttempts > 0) dynamicSampling(number, out, generate, metrics);
    if (s.replayBufferSize > 0) {
      List<Integer> empty = zeroSlots(out);
      List<ScoredGroup> drawn = replay.sample(empty.size(), new SplittableRandom(seed * 7919 + number));
      for (int i = 0; i < drawn.size(); i++) out.set(empty.get(i), drawn.get(i).replay(s.replayRecomputeLogps));
      for (ScoredGroup g : groups) if (out.contains(g) && !g.zeroVariance(weights, s.zeroStdTolerance)) replay.add(g, g.score(weights));
      metrics.put("replay/replaced_groups", (double) drawn.size());
      metrics.put("replay/buffer_size", (double) replay.size());
    }
    return out;
  }

  private void dynamicSampling(long number, List<ScoredGroup> out, Function<int[], List<ScoredGroup>> generate, Map<String, Double> metrics) {
    int attempts = 0, refilled = 0;
    List<Integer> empty = zeroSlots(out);
    metrics.put("dynamic_sampling/zero_std_groups", (double) empty.size());
    Set<Integer> used = new HashSet<>();
    for (ScoredGroup g : out) used.add(g.prompt());
    while (!empty.isEmpty() && attempts < s.dynamicSamplingAttempts) {
      int[] fresh = fresh(number, attempts, empty.size(), used);
      if (fresh.length == 0) break; // every prompt tried
      attempts++;
      for (ScoredGroup g : generate.apply(fresh)) {
        if (empty.isEmpty() || g.zeroVariance(weights, s.zeroStdTolerance)) continue;
        out.set(empty.remove(0), g);
        refilled++;
      }
    }
    metrics.put("dynamic_sampling/attempts", (double) attempts);
    metrics.put("dynamic_sampling/refilled_groups", (double) refilled);
  }

  /** k prompt indices not used yet in this round, drawn from the training set by (seed, round, attempt). */
  private int[] fresh(long number, int attempt, int k, Set<Integer> used) {
    SplittableRandom r = new SplittableRandom((seed * 1_000_033L + number) * 131 + attempt);
    List<Integer> free = new ArrayList<>();
    for (int p = 0; p < prompts; p++) if (!used.contains(p)) free.add(p);
    int[] out = new int[Math.min(k, free.size())];
    for (int i = 0; i < out.length; i++) {
      out[i] = free.remove(r.nextInt(free.size()));
      used.add(out[i]);
    }
    return out;
  }

  private List<Integer> zeroSlots(List<ScoredGroup> groups) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < groups.size(); i++) if (groups.get(i).zeroVariance(weights, s.zeroStdTolerance)) out.add(i);
    return out;
  }

  List<Integer> deferred() { return List.copyOf(deferred); }

  int replaySize() { return replay.size(); }

  @Override
  public void save(Path dir) {
    ObjectNode n = JSON.createObjectNode();
    ArrayNode d = n.putArray("deferred");
    for (int p : deferred) d.add(p);
    ArrayNode rb = n.putArray("replay");
    for (ReplayBuffer.Entry e : replay.entries()) {
      ObjectNode o = rb.addObject();
      o.put("score", e.score());
      o.put("prompt", e.group().prompt());
      ArrayNode rows = o.putArray("rows");
      for (int j = 0; j < e.group().rows().size(); j++) {
        ObjectNode r = rows.addObject();
        RolloutState.row(r, e.group().rows().get(j));
        r.put("text", e.group().texts().get(j));
        ArrayNode v = r.putArray("rewards");
        for (double x : e.group().rewards()[j]) { if (Double.isNaN(x)) v.addNull(); else v.add(x); }
      }
    }
    try {
      Files.writeString(dir.resolve(FILE), JSON.writeValueAsString(n));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve(FILE) + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void restore(Path dir) {
    Path f = dir.resolve(FILE);
    if (!Files.isRegularFile(f)) {
      throw new IllegalArgumentException("resume: " + dir + " has no " + FILE + ", but this run uses replay_buffer_size, re-rolling or dynamic sampling "
          + "(was the checkpoint written by a run without them?)");
    }
    try {
      JsonNode n = JSON.readTree(f.toFile());
      deferred.clear();
      for (JsonNode p : n.get("deferred")) deferred.add(p.asInt());
      List<ReplayBuffer.Entry> es = new ArrayList<>();
      for (JsonNode o : n.get("replay")) {
        List<RolloutRow> rows = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        double[][] rewards = new double[o.get("rows").size()][];
        int j = 0;
        for (JsonNode r : o.get("rows")) {
          rows.add(RolloutState.row(r));
          texts.add(r.get("text").isNull() ? null : r.get("text").asText());
          double[] v = new double[r.get("rewards").size()];
          for (int k = 0; k < v.length; k++) v[k] = r.get("rewards").get(k).isNull() ? Double.NaN : r.get("rewards").get(k).asDouble();
          rewards[j++] = v;
        }
        es.add(new ReplayBuffer.Entry(new ScoredGroup(o.get("prompt").asInt(), List.copyOf(rows), texts, rewards, false),
            o.get("score").asDouble()));
      }
      replay.restore(es);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("resume: cannot read " + f + ": " + e.getMessage(), e);
    }
  }

}
