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
  private int[] cachedPerm;
  private long cachedEpoch = -1;

  RoundMaker(List<GrpoPrompt> prompts, GrpoGeometry geo, GrpoSettings s, RolloutEngine generator, Sampling sampling,
      RewardRunner rewards, GroupAdvantages advantages, long seed, Consumer<Scored> observer) {
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

  Round make(long number, PhaseTimer timer) {
    int[] chosen = promptsOf(number);
    List<int[]> ids = new ArrayList<>();
    for (int p : chosen) ids.add(prompts.get(p).ids());
    List<Completion> out;
    try (var ph = timer.phase("generation")) {
      out = generator.generate(ids, sampling, number); // the round number tags (and versions) the policy
    }
    int g = geo.numGenerations();
    List<Sample> samples = new ArrayList<>(out.size());
    for (int i = 0; i < out.size(); i++) {
      Completion c = out.get(i);
      GrpoPrompt p = prompts.get(chosen[c.prompt()]);
      samples.add(new Sample(i, c.prompt(), c.sample(), p.text(), c.text(), p.ids(), c.tokens(), p.row(), "length".equals(c.finishReason())));
    }
    RewardRunner.RewardTable table;
    GroupAdvantages.Result adv;
    try (var ph = timer.phase("reward")) {
      table = rewards.score(samples, g);
      adv = advantages.compute(table.values());
    }
    List<RolloutRow> rows = new ArrayList<>(out.size());
    boolean filtered = s.topK > 0 || s.topP < 1 || s.minP > 0; // else every threshold is -inf: the whole vocabulary
    for (int i = 0; i < out.size(); i++) {
      Completion c = out.get(i);
      rows.add(new RolloutRow(chosen[i / g], c.tokens(), c.truncated(), adv.advantages()[i], null, null, filtered ? c.thresholds() : null,
          c.logprobs(), c.policyVersion()));
    }
    Map<String, Double> metrics = new LinkedHashMap<>(CompletionStats.of(rows));
    metrics.putAll(adv.metrics());
    // samples a function could not score (returned null, threw, timed out: a NaN cell, never a silent 0)
    for (int k = 0; k < rewards.rewards().size(); k++) {
      metrics.put("rewards/" + rewards.rewards().get(k).name() + "/unscored", (double) (table.nulls()[k] + table.failures()[k]));
    }
    metrics.putAll(rewards.roundMetrics());
    observer.accept(new Scored(number, samples, table.values(), adv.advantages(), metrics));
    Collections.shuffle(rows, new java.util.Random(new SplittableRandom(seed * 31 + number).nextLong()));
    return new Round(number, List.copyOf(rows), metrics);
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
