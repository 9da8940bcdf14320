package dev.lathe.engine.generate;

import java.util.Arrays;

/**
 * One generated continuation.
 *
 * @param prompt index of its prompt in the request
 * @param sample index among the prompt's numSamples
 * @param tokens generated ids (an ending EOS included)
 * @param text decoded without special tokens, cut before a stop string; null without a tokenizer
 * @param logprobs per generated token, log-prob under the distribution it was sampled from
 *     (after penalty, temperature and filters; for greedy, the model's own log-softmax)
 * @param finishReason "eos", "stop" (a stop string) or "length" (truncated)
 * @param promptIds the prompt's token ids as given
 * @param thresholds per generated token, the kept-set logit threshold of the sampling step
 *     (temperature-scaled logits; -inf = whole vocabulary): pass it with hidden / T to
 *     {@code LogProbs.ofLabels} to get these same log-probs on the training side
 * @param policyVersion the caller's tag of the weights that generated it (e.g. the optimizer step)
 */
public record Completion(int prompt, int sample, int[] tokens, String text, float[] logprobs, String finishReason,
    int[] promptIds, float[] thresholds, long policyVersion) {

  /** Without prompt ids, thresholds (all -inf) or version (0): for callers that build completions by hand. */
  public Completion(int prompt, int sample, int[] tokens, String text, float[] logprobs, String finishReason) {
    this(prompt, sample, tokens, text, logprobs, finishReason, new int[0], noThresholds(tokens.length), 0);
  }

  /** Ended by the token budget (max new tokens), not by EOS or a stop string. */
  public boolean truncated() { return "length".equals(finishReason); }

  private static float[] noThresholds(int n) {
    float[] t = new float[n];
    Arrays.fill(t, Float.NEGATIVE_INFINITY);
    return t;
  }
}
