package dev.lathe.engine.generate;

/**
 * One generated continuation.
 *
 * @param tokens generated ids (an ending EOS included)
 * @param text decoded without special tokens, cut before a stop string; null without a tokenizer
 * @param logprobs per generated token, log-prob under the distribution it was sampled from
 *     (after penalty, temperature and filters; for greedy, the model's own log-softmax)
 * @param finishReason "eos", "stop" (a stop string) or "length"
 */
public record Completion(int prompt, int sample, int[] tokens, String text, float[] logprobs, String finishReason) {}
