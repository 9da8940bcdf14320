package dev.lathe.engine.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.engine.generate.Completion;
import dev.lathe.engine.generate.Sampling;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * TRL's `vllm-serve` generation routes as TRL's and Axolotl's trainers call them (grpo-spec §16.1):
 * POST /generate/ (prompts as strings or token-id lists) and /chat/ (message lists rendered by the
 * served template). Responses: prompt_ids (one per prompt), completion_ids (n per prompt,
 * prompt-major), logprobs [[[float]]] (per token, the sampled token only: logprobs=0), logprob_token_ids.
 * Both use the active adapter (the one /set_lora_adapter/ loaded), as Axolotl's server does.
 */
final class TrlApi {
  private static final Set<String> COMMON = Set.of("n", "repetition_penalty", "temperature", "top_p", "top_k", "min_p",
      "max_tokens", "logprobs", "generation_kwargs", "structured_outputs_regex", "guided_decoding_regex", "images",
      "truncate_prompt_tokens", "chat_template_kwargs", "tools");
  private static final Set<String> KWARGS = Set.of("seed", "stop", "n", "repetition_penalty", "temperature", "top_p",
      "top_k", "min_p", "max_tokens", "presence_penalty", "frequency_penalty", "ignore_eos", "min_tokens");

  private final ServeContext ctx;

  TrlApi(ServeContext ctx) { this.ctx = ctx; }

  void generate(Exchange ex) throws Exception {
    JsonNode body = checked(ex.json(), "prompts");
    JsonNode prompts = Fields.requiredArray(body, "prompts");
    boolean addSpecial = true;
    List<int[]> ids = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      JsonNode p = prompts.get(i);
      String at = "prompts[" + i + "]";
      if (p.isTextual()) {
        int[] x = ctx.model.tokenizer().encode(p.asText(), addSpecial);
        if (x.length == 0) throw new BadRequest(at, "the prompt encodes to no tokens");
        ids.add(x);
      } else if (p.isArray()) {
        ids.add(Fields.tokenIds(p, at, ctx.model.vocabSize()));
      } else {
        throw new BadRequest(at, "expected a string or a list of token ids, found " + Fields.describe(p));
      }
    }
    respond(ex, body, ids);
  }

  void chat(Exchange ex) throws Exception {
    JsonNode body = checked(ex.json(), "messages");
    JsonNode convs = Fields.requiredArray(body, "messages");
    List<int[]> ids = new ArrayList<>();
    for (int i = 0; i < convs.size(); i++) {
      ids.add(ChatApi.render(ctx, convs.get(i), "messages[" + i + "]", true, Fields.get(body, "chat_template_kwargs")));
    }
    respond(ex, body, ids);
  }

  // validates the common fields and merges generation_kwargs over them (TRL merges it last, overriding)
  private JsonNode checked(JsonNode body, String promptField) {
    Set<String> known = new HashSet<>(COMMON);
    known.add(promptField);
    Fields.onlyKnown(body, known, Set.of());
    Fields.neutral(body, "images", NullNode.instance, "images are not supported (text models only)");
    Fields.neutral(body, "structured_outputs_regex", NullNode.instance, "structured outputs are not implemented");
    Fields.neutral(body, "guided_decoding_regex", NullNode.instance, "guided decoding is not implemented");
    JsonNode tools = Fields.get(body, "tools");
    if (tools != null && !(tools.isArray() && tools.isEmpty())) throw new BadRequest("tools", "tool calling is not implemented");
    JsonNode kw = Fields.get(body, "generation_kwargs");
    if (kw == null) return body;
    if (!kw.isObject()) throw new BadRequest("generation_kwargs", "expected an object, found " + Fields.describe(kw));
    ObjectNode merged = body.deepCopy();
    var it = kw.fieldNames();
    while (it.hasNext()) {
      String k = it.next();
      if (!KWARGS.contains(k)) throw new BadRequest("generation_kwargs." + k, "not supported (supported: " + new java.util.TreeSet<>(KWARGS) + ")");
      merged.set(k, kw.get(k));
    }
    return merged;
  }

  private void respond(Exchange ex, JsonNode body, List<int[]> prompts) throws Exception {
    int truncate = Fields.integer(body, "truncate_prompt_tokens", 0, 0, Integer.MAX_VALUE);
    if (truncate > 0) prompts.replaceAll(p -> p.length > truncate ? java.util.Arrays.copyOfRange(p, p.length - truncate, p.length) : p);
    Fields.neutral(body, "logprobs", IntNode.valueOf(0), "only the sampled token's log-prob is computed (logprobs=0)");
    int longest = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
    JsonNode withDefaults = body;
    if (Fields.get(body, "top_k") != null && body.get("top_k").asInt() == -1) withDefaults = ((ObjectNode) body.deepCopy()).put("top_k", 0);
    Sampling s = SamplingFields.parse(withDefaults, ctx.model, "max_tokens", 16, longest);
    List<Completion> out = ctx.generate(ex, new GenJob(prompts, s, true));
    List<Object> promptIds = new ArrayList<>();
    for (int[] p : prompts) promptIds.add(Choices.ints(p));
    List<Object> completionIds = new ArrayList<>();
    List<Object> logprobs = new ArrayList<>();
    List<Object> logprobIds = new ArrayList<>();
    for (Completion c : out) {
      completionIds.add(Choices.ints(c.tokens()));
      List<Object> lp = new ArrayList<>();
      List<Object> li = new ArrayList<>();
      for (int k = 0; k < c.tokens().length; k++) {
        lp.add(java.util.Collections.singletonList(ServeContext.finite(c.logprobs()[k])));
        li.add(List.of(c.tokens()[k]));
      }
      logprobs.add(lp);
      logprobIds.add(li);
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("prompt_ids", promptIds);
    r.put("completion_ids", completionIds);
    r.put("logprobs", logprobs);
    r.put("logprob_token_ids", logprobIds);
    ex.send(200, r);
  }
}
