package dev.lathe.engine.train.grpo;

import dev.lathe.engine.data.GrpoPrompt;
import dev.lathe.engine.train.EpochPermutation;
import dev.lathe.engine.align.GroupAdvantages;
import dev.lathe.engine.generate.Completion;
import dev.lathe.engine.generate.RolloutEngine;
import dev.lathe.engine.generate.Sampling;
import dev.lathe.engine.reward.RewardRunner;
import dev.lathe.engine.reward.Sample;
import dev.lathe.engine.train.PhaseTimer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Generates and scores one round (grpo-spec §3–§6): the round's prompts from the seeded per-epoch
 * permutation, G completions each from the rollout engine (policy in eval mode, no grad, LoRA on),
 * rewards through the RewardRunner, advantages through GroupAdvantages (the only place rewards become
 * advantages), then a seeded shuffle of the rows. Old and reference log-probs are added by the feed.
 */
final class RoundMaker {
  /** What the completion log and the zero-variance warning see of a scored round. */
  record Scored(long number, List<Sample> samples, double[][] rewards, double[] advantages, Map<String, Double> metrics) {}

  private final List<GrpoPrompt> prompts;
  private final GrpoGeometry geo;
  private final GrpoSettings s;
  private final RolloutEngine generator;
  private final Sampling sampling;
  private final RewardRunner rewards;
  private final GroupAdvantages advantages;
  private final long seed;
  private final Consumer<Scored> observer;
  private final GroupRecovery recovery;
  private RolloutFunction rolloutFunction;
  private boolean engineVersions;
  private dev.lathe.engine.text.Tokenizer tokenizer;
  private int[] cachedPerm;
  private long cachedEpoch = -1;

  RoundMaker(List<GrpoPrompt> prompts, GrpoGeometry geo, GrpoSettings s, RolloutEngine generator, Sampling sampling,
      RewardRunner rewards, GroupAdvantages advantages, long seed, Consumer<Scored> observer) {
    this(prompts, geo, s, generator, sampling, rewards, advantages, seed, observer, null);
  }

  /** @param recovery zero-variance recovery (dynamic sampling, re-rolls, replay), or null */
  RoundMaker(List<GrpoPrompt> prompts, GrpoGeometry geo, GrpoSettings s, RolloutEngine generator, Sampling sampling,
      RewardRunner rewards, GroupAdvantages advantages, long seed, Consumer<Scored> observer, GroupRecovery recovery) {
    this.recovery = recovery;
    this.prompts = prompts;
    this.geo = geo;
    this.s = s;
    this.generator = generator;
    this.sampling = sampling;
    this.rewards = rewards;
    this.advantages = advantages;
    this.seed = seed;
    this.observer = observer;
  }

  /** Rounds come from a rollout function (on this maker's engine) instead of the engine directly. */
  RoundMaker withRollouts(RolloutFunction f, dev.lathe.engine.text.Tokenizer tok) {
    this.rolloutFunction = f;
    this.tokenizer = tok;
    return this;
  }

  /**
   * The engine tags completions with real weight versions (async snapshots): a rollout function's rows then carry
   * the oldest version it generated with, and a function that never generated through ctx.generate is an error.
   */
  RoundMaker versionedByEngine() {
    this.engineVersions = true;
    return this;
  }

  Round make(long number, PhaseTimer timer) {
    if (s.streamingMinGroups != null) return streamed(number, timer);
    Map<String, Double> recovered = new LinkedHashMap<>();
    int[] chosen = recovery == null ? promptsOf(number) : recovery.inject(number, promptsOf(number), recovered);
    List<ScoredGroup> groups = groups(chosen, number, timer);
    if (recovery != null) groups = recovery.recover(number, groups, fresh -> groups(fresh, number, timer), recovered);
    return assemble(number, groups, recovered, timer);
  }

  /**
   * streaming_partial_batch (grpo-spec §14.7): the round is generated and scored in chunks of streaming_min_groups
   * groups, and chunk c's rewards run (on the reward pool, from one helper thread) while chunk c+1 is generated.
   * Advantages are computed per chunk (scale_rewards batch and GDPO's final normalisation over the chunk's rows),
   * rows are shuffled within their chunk only, and a chunk fills whole micro-batches (checked by GrpoGeometry), so
   * no micro-batch mixes chunks. The round's reward metrics are over all its rows; streaming/chunks counts the chunks.
   */
  private Round streamed(long number, PhaseTimer timer) {
    int[] chosen = promptsOf(number);
    int k = s.streamingMinGroups;
    List<Round> chunks = new ArrayList<>();
    java.util.concurrent.Future<List<ScoredGroup>> pending = null;
    java.util.concurrent.ExecutorService scorer = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "lathe-grpo-stream-score");
      t.setDaemon(true);
      return t;
    });
    try {
      List<List<ScoredGroup>> scored = new ArrayList<>();
      for (int from = 0; from < chosen.length; from += k) {
        int[] part = java.util.Arrays.copyOfRange(chosen, from, Math.min(chosen.length, from + k));
        Generated gen = generate(part, number, timer);
        if (pending != null) scored.add(await(pending, timer));
        pending = scorer.submit(() -> score(part, gen, number, null));
      }
      scored.add(await(pending, timer));
      double[][] all = new double[chosen.length * geo.numGenerations()][];
      int at = 0;
      for (int c = 0; c < scored.size(); c++) {
        chunks.add(assemble(number * 1_000_003L + c, scored.get(c), Map.of(), timer, false));
        for (ScoredGroup x : scored.get(c)) for (double[] v : x.rewards()) all[at++] = v;
      }
      // one Scored for the log (every row in round order), the round's reward metrics over all rows
      Map<String, Double> metrics = new LinkedHashMap<>();
      List<RolloutRow> rows = new ArrayList<>();
      for (Round c : chunks) rows.addAll(c.rows());
      metrics.putAll(CompletionStats.of(rows));
      metrics.putAll(advantages.compute(all).metrics());
      metrics.putAll(unscored(all));
      metrics.putAll(rewards.roundMetrics());
      metrics.put("streaming/chunks", (double) chunks.size());
      observer.accept(scoredOf(number, scored.stream().flatMap(List::stream).toList(), all, chunks, metrics));
      return new Round(number, List.copyOf(rows), metrics);
    } finally {
      scorer.shutdownNow();
    }
  }

  private List<ScoredGroup> await(java.util.concurrent.Future<List<ScoredGroup>> f, PhaseTimer timer) {
    try (var ph = timer.phase("reward")) { // only the part of the scoring that generation did not hide
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while scoring a streamed chunk", e);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) throw re;
      throw new IllegalStateException(e.getCause());
    }
  }

  private Round assemble(long number, List<ScoredGroup> groups, Map<String, Double> recovered, PhaseTimer timer) {
    return assemble(number, groups, recovered, timer, true);
  }

  /**
   * Advantages over the given groups, rows in seeded shuffled order; with {@code whole} the round's metrics are
   * computed and the log sees it (a streamed chunk leaves both to {@link #streamed}, and its "number" only seeds its shuffle).
   */
  private Round assemble(long number, List<ScoredGroup> groups, Map<String, Double> recovered, PhaseTimer timer, boolean whole) {
    int g = geo.numGenerations();
    double[][] values = new double[groups.size() * g][];
    List<Sample> samples = new ArrayList<>(values.length);
    for (int i = 0; i < groups.size(); i++) {
      ScoredGroup x = groups.get(i);
      GrpoPrompt p = prompts.get(x.prompt());
      for (int m = 0; m < g; m++) {
        values[i * g + m] = x.rewards()[m];
        RolloutRow r = x.rows().get(m);
        samples.add(new Sample(i * g + m, i, m, p.text(), x.texts().get(m), p.ids(), r.completion(), p.row(), r.truncated()));
      }
    }
    GroupAdvantages.Result adv;
    try (var ph = timer.phase("reward")) {
      adv = advantages.compute(values);
    }
    List<RolloutRow> rows = new ArrayList<>(values.length);
    for (int i = 0; i < values.length; i++) {
      RolloutRow r = groups.get(i / g).rows().get(i % g);
      rows.add(new RolloutRow(r.prompt(), r.completion(), r.truncated(), adv.advantages()[i], r.oldLogps(), null, r.thresholds(),
          r.samplerLogps(), r.policyVersion(), r.envMask()));
    }
    if (!whole) {
      Collections.shuffle(rows, new java.util.Random(new SplittableRandom(seed * 31 + number).nextLong()));
      return new Round(number, List.copyOf(rows), Map.of());
    }
    Map<String, Double> metrics = new LinkedHashMap<>(CompletionStats.of(rows));
    metrics.putAll(adv.metrics());
    metrics.putAll(unscored(values));
    metrics.putAll(rewards.roundMetrics()); // of the last scoring call (EBFT's); dynamic sampling may have scored more than one
    if (rolloutFunction != null) metrics.putAll(rolloutFunction.roundMetrics()); // of its last call, likewise
    metrics.putAll(recovered);
    observer.accept(new Scored(number, samples, values, adv.advantages(), metrics));
    Collections.shuffle(rows, new java.util.Random(new SplittableRandom(seed * 31 + number).nextLong()));
    return new Round(number, List.copyOf(rows), metrics);
  }

  /** Samples of the round as trained that a function could not score (returned null, threw, timed out: NaN, never a silent 0). */
  private Map<String, Double> unscored(double[][] values) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (int k = 0; k < rewards.rewards().size(); k++) {
      int n = 0;
      for (double[] v : values) if (Double.isNaN(v[k])) n++;
      out.put("rewards/" + rewards.rewards().get(k).name() + "/unscored", (double) n);
    }
    return out;
  }

  /** The completion log's view of a streamed round: every group in prompt order, each row's advantage from its chunk. */
  private Scored scoredOf(long number, List<ScoredGroup> groups, double[][] values, List<Round> chunks, Map<String, Double> metrics) {
    Map<int[], Double> byCompletion = new java.util.IdentityHashMap<>(); // a chunk's rows share their completion arrays with the groups'
    for (Round c : chunks) for (RolloutRow r : c.rows()) byCompletion.put(r.completion(), r.advantage());
    int g = geo.numGenerations();
    List<Sample> samples = new ArrayList<>();
    double[] adv = new double[values.length];
    for (int i = 0; i < groups.size(); i++) {
      ScoredGroup x = groups.get(i);
      GrpoPrompt p = prompts.get(x.prompt());
      for (int m = 0; m < g; m++) {
        RolloutRow r = x.rows().get(m);
        samples.add(new Sample(i * g + m, i, m, p.text(), x.texts().get(m), p.ids(), r.completion(), p.row(), r.truncated()));
        adv[i * g + m] = byCompletion.get(r.completion());
      }
    }
    return new Scored(number, samples, values, adv, metrics);
  }

  /** Generates G completions for each prompt index and scores them: one group per prompt, in order. */
  private List<ScoredGroup> groups(int[] chosen, long number, PhaseTimer timer) {
    return score(chosen, generate(chosen, number, timer), number, timer);
  }

  /** The completions of some prompts (G each, in order), and the rollout function's rows when there is one. */
  private record Generated(List<Completion> out, List<RolloutFunction.Rollout> custom, long customVersion) {}

  private Generated generate(int[] chosen, long number, PhaseTimer timer) {
    List<int[]> ids = new ArrayList<>();
    for (int p : chosen) ids.add(prompts.get(p).ids());
    List<Completion> out;
    List<RolloutFunction.Rollout> custom = null;
    java.util.concurrent.atomic.AtomicLong oldest = new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);
    try (var ph = timer.phase("generation")) {
      if (rolloutFunction == null) {
        out = generator.generate(ids, sampling, number); // the round number tags (and versions) the policy
      } else {
        custom = custom(chosen, number, oldest);
        out = new ArrayList<>(custom.size());
        for (int i = 0; i < custom.size(); i++) {
          RolloutFunction.Rollout r = custom.get(i);
          String text = r.text() != null ? r.text() : tokenizer == null ? null : tokenizer.decode(r.completionIds(), true);
          // TRL's rule for any completion: truncated when its last id is not an EOS (mask_truncated_completions, clipped_ratio)
          int last = r.completionIds()[r.completionIds().length - 1];
          String finish = sampling.eosIds().contains(last) ? "eos" : "length";
          out.add(new Completion(i / geo.numGenerations(), i % geo.numGenerations(), r.completionIds(), text, r.logprobs(), finish));
        }
      }
    }
    long version = number; // synchronous rounds: the round number is the version, as the engine's tags
    if (custom != null && engineVersions) {
      if (oldest.get() == Long.MAX_VALUE) {
        throw new IllegalStateException("rollout function, round " + (number + 1) + ": with async_prefetch a rollout function must generate "
            + "through ctx.generate (the weight snapshot's version is what staleness and the importance-sampling correction are measured "
            + "against); this one generated nothing there (the completion-text form cannot run async)");
      }
      version = oldest.get();
    }
    return new Generated(out, custom, version);
  }

  /** Scores generated completions (timer null: on the streaming helper thread, whose wait the caller times). */
  private List<ScoredGroup> score(int[] chosen, Generated gen, long number, PhaseTimer timer) {
    List<Completion> out = gen.out();
    List<RolloutFunction.Rollout> custom = gen.custom();
    int g = geo.numGenerations();
    List<Sample> samples = new ArrayList<>(out.size());
    for (int i = 0; i < out.size(); i++) {
      Completion c = out.get(i);
      GrpoPrompt p = prompts.get(chosen[c.prompt()]);
      Map<String, Object> row = p.row();
      if (custom != null && custom.get(i).extra() != null && !custom.get(i).extra().isEmpty()) { // TRL: extra fields reach the rewards
        row = new LinkedHashMap<>(row);
        row.putAll(custom.get(i).extra());
      }
      samples.add(new Sample(i, c.prompt(), c.sample(), p.text(), c.text(), p.ids(), c.tokens(), row, "length".equals(c.finishReason())));
    }
    RewardRunner.RewardTable table;
    if (timer == null) {
      table = rewards.score(samples, g);
    } else {
      try (var ph = timer.phase("reward")) {
        table = rewards.score(samples, g);
      }
    }
    // else every threshold is -inf: the whole vocabulary (a rollout function's sampling is its own: full vocabulary)
    boolean filtered = (s.topK > 0 || s.topP < 1 || s.minP > 0) && custom == null;
    List<ScoredGroup> groups = new ArrayList<>(chosen.length);
    for (int q = 0; q < chosen.length; q++) {
      List<RolloutRow> rows = new ArrayList<>(g);
      List<String> texts = new ArrayList<>(g);
      double[][] v = new double[g][];
      for (int m = 0; m < g; m++) {
        Completion c = out.get(q * g + m);
        rows.add(new RolloutRow(chosen[q], c.tokens(), c.truncated(), 0, null, null, filtered ? c.thresholds() : null, c.logprobs(),
            custom == null ? c.policyVersion() : gen.customVersion(), custom == null ? null : custom.get(q * g + m).envMask()));
        texts.add(c.text());
        v[m] = table.values()[q * g + m];
      }
      groups.add(new ScoredGroup(chosen[q], List.copyOf(rows), texts, v, false));
    }
    return groups;
  }

  /** Calls the rollout function on the round's prompts (each G times) and checks what comes back against TRL's contract. */
  private List<RolloutFunction.Rollout> custom(int[] chosen, long number, java.util.concurrent.atomic.AtomicLong oldest) {
    int g = geo.numGenerations();
    List<GrpoPrompt> repeated = new ArrayList<>();
    for (int p : chosen) for (int m = 0; m < g; m++) repeated.add(prompts.get(p));
    List<RolloutFunction.Rollout> rs;
    try {
      // the engine as the function sees it: records the oldest weight version it generated with
      dev.lathe.engine.generate.RolloutEngine tracked = (ps, sm, v) -> {
        List<Completion> cs = generator.generate(ps, sm, v);
        for (Completion c : cs) oldest.accumulateAndGet(c.policyVersion(), Math::min);
        return cs;
      };
      rs = rolloutFunction.run(repeated, new RolloutFunction.Context(tracked, sampling, tokenizer, number));
    } catch (Exception e) {
      throw new IllegalStateException("rollout function failed on round " + (number + 1) + ": " + e, e);
    }
    String where = "rollout function, round " + (number + 1);
    if (rs == null || rs.size() != repeated.size() || rs.contains(null)) {
      throw new IllegalStateException(where + ": expected one rollout per input row (" + repeated.size() + " = " + chosen.length + " prompts x "
          + g + "), got " + (rs == null ? "null" : rs.contains(null) ? "a different count or a null element" : rs.size()));
    }
    for (int i = 0; i < rs.size(); i++) {
      RolloutFunction.Rollout r = rs.get(i);
      String row = where + ", row " + i + " (" + repeated.get(i).origin() + ")";
      if (r.completionIds() == null || r.completionIds().length == 0) throw new IllegalStateException(row + ": no completion ids");
      if (r.promptIds() != null && !java.util.Arrays.equals(r.promptIds(), repeated.get(i).ids())) {
        throw new IllegalStateException(row + ": prompt ids differ from the dataset prompt's " + repeated.get(i).ids().length
            + " ids; put environment turns in the completion with env mask 0");
      }
      if (r.logprobs() != null && r.logprobs().length != r.completionIds().length) {
        throw new IllegalStateException(row + ": " + r.logprobs().length + " log-probs for " + r.completionIds().length + " completion ids");
      }
      if (r.envMask() != null && r.envMask().length != r.completionIds().length) {
        throw new IllegalStateException(row + ": env mask of " + r.envMask().length + " for " + r.completionIds().length + " completion ids");
      }
    }
    return rs;
  }

  /** The prompt indices of round `number`: chunk (number mod R) of epoch (number / R)'s permutation. */
  int[] promptsOf(long number) {
    int perEpoch = geo.roundsPerEpoch(prompts.size());
    long epoch = number / perEpoch;
    int[] perm = permutation(epoch);
    int from = (int) (number % perEpoch) * geo.perRoundPrompts();
    int[] out = new int[geo.perRoundPrompts()];
    System.arraycopy(perm, from, out, 0, out.length);
    return out;
  }

  private int[] permutation(long epoch) {
    if (epoch == cachedEpoch) return cachedPerm;
    cachedPerm = EpochPermutation.of(prompts.size(), s.shuffleDataset, seed, epoch);
    cachedEpoch = epoch;
    return cachedPerm;
  }
}
