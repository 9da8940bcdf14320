package dev.lathe.engine.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import dev.lathe.engine.generate.Sampling;
import java.util.List;
import java.util.Set;

/**
 * The sampling fields OpenAI's, vLLM's and TRL's requests share, turned into the rollout engine's
 * {@link Sampling}. Semantics are vLLM's: temperature 0 = greedy, top_k -1 or 0 = off, top_p 1 and
 * min_p 0 = off, repetition_penalty 1 = none; log-probs are of the processed distribution
 * (vLLM's logprobs_mode "processed_logprobs"). Penalties Lathe does not implement are accepted only at
 * their neutral value, with a message naming the field otherwise.
 */
final class SamplingFields {
  static final Set<String> NAMES = Set.of("max_tokens", "temperature", "top_p", "top_k", "min_p", "repetition_penalty", "n",
      "seed", "stop", "presence_penalty", "frequency_penalty", "ignore_eos", "min_tokens", "best_of");

  private SamplingFields() {}

  /**
   * @param maxTokensField the name of the length field (max_tokens, or max_completion_tokens for chat)
   * @param defaultMaxTokens used when the field is absent; -1 = whatever context remains
   * @param longestPrompt the longest prompt in tokens, to check the context length
   */
  static Sampling parse(JsonNode body, ServedModel m, String maxTokensField, int defaultMaxTokens, int longestPrompt) {
    Fields.neutral(body, "presence_penalty", IntNode.valueOf(0), "presence penalty is not implemented");
    Fields.neutral(body, "frequency_penalty", IntNode.valueOf(0), "frequency penalty is not implemented");
    Fields.neutral(body, "ignore_eos", BooleanNode.FALSE, "ignore_eos is not implemented");
    Fields.neutral(body, "min_tokens", IntNode.valueOf(0), "min_tokens is not implemented");
    int n = Fields.integer(body, "n", 1, 1, 1024);
    int bestOf = Fields.integer(body, "best_of", n, 1, 1024);
    if (bestOf != n) throw new BadRequest("best_of", "only best_of == n is supported (got best_of " + bestOf + ", n " + n + ")");
    int room = m.maxModelLen() - longestPrompt;
    if (room < 1) {
      throw new BadRequest("prompt", "the prompt has " + longestPrompt + " tokens; the model's context is " + m.maxModelLen());
    }
    int maxTokens = Fields.integer(body, maxTokensField, defaultMaxTokens < 0 ? room : defaultMaxTokens, 1, Integer.MAX_VALUE);
    if (maxTokens > room) {
      throw new BadRequest(maxTokensField, "prompt (" + longestPrompt + " tokens) + " + maxTokensField + " (" + maxTokens
          + ") exceeds the model's context of " + m.maxModelLen() + " tokens");
    }
    double temperature = Fields.number(body, "temperature", 1.0, 0, 100);
    double topP = Fields.number(body, "top_p", 1.0, 0, 1);
    if (topP == 0) throw new BadRequest("top_p", "must be in (0, 1], got 0");
    int topK = Fields.integer(body, "top_k", 0, -1, Integer.MAX_VALUE);
    double minP = Fields.number(body, "min_p", 0, 0, 1);
    double rep = Fields.number(body, "repetition_penalty", 1.0, 1e-6, 100);
    JsonNode seedNode = Fields.get(body, "seed");
    if (seedNode != null && !seedNode.isIntegralNumber()) throw new BadRequest("seed", "expected an integer, found " + Fields.describe(seedNode));
    Long seed = seedNode == null ? null : seedNode.asLong();
    List<String> stop = Fields.stringOrList(body, "stop");
    return new Sampling(maxTokens, temperature > 0, temperature, Math.max(topK, 0), topP, minP, rep, n,
        temperature > 0 ? seed : null, m.eosIds(), stop, true);
  }
}
