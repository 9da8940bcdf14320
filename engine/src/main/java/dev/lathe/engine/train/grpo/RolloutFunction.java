package dev.lathe.engine.train.grpo;

import dev.lathe.engine.data.GrpoPrompt;
import dev.lathe.engine.generate.Completion;
import dev.lathe.engine.generate.RolloutEngine;
import dev.lathe.engine.generate.Sampling;
import dev.lathe.engine.text.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A custom rollout (grpo-spec §15.1, TRL's rollout_func contract): multi-step generation with the run's
 * rollout engine (tools, environments). It gets the round's prompts, each repeated G times in a row, and
 * returns exactly one {@link Rollout} per input, in order. Tokens an environment inserted into a
 * completion carry env mask 0: they are context for the tokens after them and count for the rewards,
 * but never in the loss. Extra fields are merged over the dataset row the reward functions see.
 */
@FunctionalInterface
public interface RolloutFunction {
  List<Rollout> run(List<GrpoPrompt> prompts, Context ctx) throws Exception;

  /** Metrics of the last run() (e.g. NeMo Gym's turns per episode), logged with its round's; none by default. */
  default Map<String, Double> roundMetrics() { return Map.of(); }

  /**
   * What a rollout function generates with: the engine sampling from the policy (versioned), the round's
   * sampling settings (G samples per prompt: use {@code sampling.withSamples(1)} on repeated prompts) and the tokenizer.
   */
  record Context(RolloutEngine engine, Sampling sampling, Tokenizer tokenizer, long version) {
    public List<Completion> generate(List<int[]> prompts, Sampling s) { return engine.generate(prompts, s, version); }
  }

  /**
   * One row: promptIds must be the dataset prompt's ids (environment turns belong in the completion);
   * logprobs are the sampler's per completion token (null when unknown: the string form); envMask null = all generated.
   */
  record Rollout(int[] promptIds, int[] completionIds, float[] logprobs, int[] envMask, Map<String, Object> extra, String text) {}

  /**
   * Axolotl's documented form: completion strings, one per input. Tokenised here without special tokens;
   * there are no sampler log-probs, so the old policy is the trainer's own (no importance-sampling correction).
   */
  static RolloutFunction ofTexts(Function<List<GrpoPrompt>, List<String>> f) {
    return (prompts, ctx) -> {
      if (ctx.tokenizer() == null) throw new IllegalStateException("a rollout function returning strings needs the run's tokenizer");
      List<String> texts = f.apply(prompts);
      List<Rollout> out = new ArrayList<>(texts.size());
      for (int i = 0; i < texts.size() && i < prompts.size(); i++) {
        out.add(new Rollout(prompts.get(i).ids(), ctx.tokenizer().encode(texts.get(i), false), null, null, Map.of(), texts.get(i)));
      }
      if (texts.size() != prompts.size()) out.add(null); // the caller reports the count
      return out;
    };
  }
}
