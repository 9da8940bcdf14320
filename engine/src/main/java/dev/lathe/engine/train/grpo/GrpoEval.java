package dev.lathe.engine.train.grpo;

import dev.lathe.engine.align.GroupAdvantages;
import dev.lathe.engine.data.GrpoPrompt;
import dev.lathe.engine.generate.Completion;
import dev.lathe.engine.generate.RolloutEngine;
import dev.lathe.engine.generate.Sampling;
import dev.lathe.engine.reward.RewardRunner;
import dev.lathe.engine.reward.Sample;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GRPO's evaluation (TRL's eval loop for GRPO, grpo-spec §3 item 5): every eval prompt gets
 * num_generations_eval completions from the current policy with the training sampler settings, scored by
 * the same reward runner; logged as eval_reward, eval_reward_std, eval_rewards/NAME/mean|std and
 * eval_completions/*. There is no eval loss: a policy-gradient loss on fresh samples has no meaning as a
 * held-out score (TRL logs one; early stopping on it is refused by the binder). Prompts go in chunks of a
 * training round's size, so evaluation needs no more memory than a round.
 */
final class GrpoEval {
  private final List<GrpoPrompt> prompts;
  private final RolloutEngine engine;
  private final Sampling sampling;
  private final RewardRunner rewards;
  private final GroupAdvantages metrics;
  private final int chunk;

  GrpoEval(List<GrpoPrompt> prompts, RolloutEngine engine, Sampling sampling, RewardRunner rewards, GroupAdvantages metrics, int chunk) {
    this.prompts = prompts;
    this.engine = engine;
    this.sampling = sampling;
    this.rewards = rewards;
    this.metrics = metrics;
    this.chunk = Math.max(1, chunk);
  }

  /** Metrics over the whole eval set (the loop prefixes eval_); step tags the weights being evaluated. */
  Map<String, Double> run(long step) {
    int g = sampling.numSamples();
    List<double[]> table = new ArrayList<>();
    List<Integer> lengths = new ArrayList<>();
    List<Boolean> truncated = new ArrayList<>();
    for (int from = 0; from < prompts.size(); from += chunk) {
      List<GrpoPrompt> part = prompts.subList(from, Math.min(prompts.size(), from + chunk));
      List<int[]> ids = new ArrayList<>();
      for (GrpoPrompt p : part) ids.add(p.ids());
      List<Completion> out = engine.generate(ids, sampling, step);
      List<Sample> samples = new ArrayList<>(out.size());
      for (int i = 0; i < out.size(); i++) {
        Completion c = out.get(i);
        GrpoPrompt p = part.get(c.prompt());
        samples.add(new Sample(i, c.prompt(), c.sample(), p.text(), c.text(), p.ids(), c.tokens(), p.row(), "length".equals(c.finishReason())));
        lengths.add(c.tokens().length);
        truncated.add("length".equals(c.finishReason()));
      }
      for (double[] row : rewards.score(samples, g).values()) table.add(row);
    }
    Map<String, Double> m = new LinkedHashMap<>(metrics.rewardMetrics(table.toArray(new double[0][])));
    int[] len = new int[lengths.size()];
    boolean[] trunc = new boolean[lengths.size()];
    for (int i = 0; i < len.length; i++) {
      len[i] = lengths.get(i);
      trunc[i] = truncated.get(i);
    }
    m.putAll(CompletionStats.of(len, trunc));
    return m;
  }
}
