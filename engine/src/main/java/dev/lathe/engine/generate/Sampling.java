package dev.lathe.engine.generate;

import java.util.List;
import java.util.Set;

/**
 * How to generate. temperature 0 (or doSample false) is greedy. topK 0, topP 1 and minP 0
 * switch those filters off; repetitionPenalty 1 is none (HF's semantics: logits of tokens
 * already in the row are divided by it when positive, multiplied when negative).
 *
 * @param numSamples completions per prompt; they share the prompt's prefill (cache expanded)
 * @param seed reseeds libtorch's global generator before sampling, or null to leave it
 * @param eosIds generation of a row ends at any of these (kept in tokens, dropped from text)
 * @param stopStrings generation of a row ends when its text contains one (text cut before it)
 * @param useCache KV cache (true) or a full forward over the whole row every step (tests, benchmarks)
 */
public record Sampling(int maxNewTokens, boolean doSample, double temperature, int topK, double topP, double minP,
    double repetitionPenalty, int numSamples, Long seed, Set<Integer> eosIds, List<String> stopStrings, boolean useCache) {

  public Sampling {
    if (maxNewTokens < 1) throw new IllegalArgumentException("max_new_tokens must be >= 1, got " + maxNewTokens);
    if (temperature < 0) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
    if (topK < 0) throw new IllegalArgumentException("top_k must be >= 0, got " + topK);
    if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
    if (minP < 0 || minP > 1) throw new IllegalArgumentException("min_p must be in [0, 1], got " + minP);
    if (repetitionPenalty <= 0) throw new IllegalArgumentException("repetition_penalty must be > 0, got " + repetitionPenalty);
    if (numSamples < 1) throw new IllegalArgumentException("num samples must be >= 1, got " + numSamples);
    eosIds = Set.copyOf(eosIds);
    stopStrings = List.copyOf(stopStrings);
  }

  public static Sampling greedy(int maxNewTokens, Set<Integer> eosIds) {
    return new Sampling(maxNewTokens, false, 1, 0, 1, 0, 1, 1, null, eosIds, List.of(), true);
  }

  public boolean greedy() { return !doSample || temperature == 0; }

  /**
   * Whether the training side can recompute the sampler's log-probs exactly: temperature is
   * hidden / T and top-k / top-p / min-p are a per-token threshold (Completion.thresholds), but a
   * repetition penalty rescales each row's own seen tokens before temperature (HF's order), which no
   * threshold on the trainer's logits expresses. With a penalty the sampler still reports the
   * log-probs of the penalised distribution it sampled from, thresholds are -inf, and a trainer
   * must treat those log-probs as another policy's (recompute old log-probs itself).
   * Greedy log-probs are the model's log-softmax at temperature 1.
   */
  public boolean trainerReproducible() { return repetitionPenalty == 1; }

  public Sampling withSampling(double temp, int k, double p, double minP, long seed) {
    return new Sampling(maxNewTokens, true, temp, k, p, minP, repetitionPenalty, numSamples, seed, eosIds, stopStrings, useCache);
  }

  /** null: draws come from libtorch's global generator (so they depend on what shared the batch before). */
  public Sampling withSeed(Long seed) {
    return new Sampling(maxNewTokens, doSample, temperature, topK, topP, minP, repetitionPenalty, numSamples, seed, eosIds, stopStrings, useCache);
  }

  public Sampling withSamples(int n) {
    return new Sampling(maxNewTokens, doSample, temperature, topK, topP, minP, repetitionPenalty, n, seed, eosIds, stopStrings, useCache);
  }

  public Sampling withRepetitionPenalty(double p) {
    return new Sampling(maxNewTokens, doSample, temperature, topK, topP, minP, p, numSamples, seed, eosIds, stopStrings, useCache);
  }

  public Sampling withStopStrings(List<String> s) {
    return new Sampling(maxNewTokens, doSample, temperature, topK, topP, minP, repetitionPenalty, numSamples, seed, eosIds, s, useCache);
  }

  public Sampling withCache(boolean on) {
    return new Sampling(maxNewTokens, doSample, temperature, topK, topP, minP, repetitionPenalty, numSamples, seed, eosIds, stopStrings, on);
  }
}
