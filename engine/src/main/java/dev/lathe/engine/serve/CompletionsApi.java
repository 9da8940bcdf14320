package dev.lathe.engine.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.lathe.engine.generate.Completion;
import dev.lathe.engine.generate.Sampling;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * POST /v1/completions, OpenAI's legacy completions as vLLM serves them: prompt = a string, a list of
 * strings, a list of token ids or a list of token-id lists; every choice also carries vLLM's
 * {@code token_ids} and {@code prompt_token_ids} and Axolotl's {@code generation_token_ids} /
 * {@code generation_log_probs}, so trainers and NeMo Gym's proxy get token-in/token-out data.
 */
final class CompletionsApi {
  private static final Set<String> KNOWN = new HashSet<>(SamplingFields.NAMES);
  private static final Set<String> IGNORED = Set.of("user", "return_token_ids", "stream_options", "skip_special_tokens",
      "spaces_between_special_tokens", "echo", "suffix", "logit_bias", "return_tokens_as_token_ids", "truncate_prompt_tokens");

  static {
    KNOWN.addAll(List.of("model", "prompt", "stream", "logprobs", "add_special_tokens"));
  }

  private final ServeContext ctx;

  CompletionsApi(ServeContext ctx) { this.ctx = ctx; }

  void handle(Exchange ex) throws Exception {
    JsonNode body = ex.json();
    Fields.onlyKnown(body, KNOWN, IGNORED);
    Fields.neutral(body, "echo", BooleanNode.FALSE, "echo is not implemented");
    Fields.neutral(body, "suffix", NullNode.instance, "suffix is not implemented");
    Fields.neutral(body, "logit_bias", NullNode.instance, "logit_bias is not implemented");
    Fields.neutral(body, "skip_special_tokens", BooleanNode.TRUE, "text always skips special tokens");
    boolean adapter = ctx.adapterFor(body);
    List<int[]> prompts = prompts(body, Fields.bool(body, "add_special_tokens", true));
    int truncate = Fields.integer(body, "truncate_prompt_tokens", 0, 0, Integer.MAX_VALUE);
    if (truncate > 0) prompts.replaceAll(p -> p.length > truncate ? java.util.Arrays.copyOfRange(p, p.length - truncate, p.length) : p);
    int longest = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
    Sampling s = SamplingFields.parse(body, ctx.model, "max_tokens", 16, longest);
    int logprobs = Fields.integer(body, "logprobs", -1, 0, 20);
    if (logprobs > 0) {
      throw new BadRequest("logprobs", "top alternatives are not computed; 0 returns the sampled token's log-prob, got " + logprobs);
    }
    boolean asIds = Fields.bool(body, "return_tokens_as_token_ids", false);
    boolean stream = Fields.bool(body, "stream", false);
    boolean usageInStream = body.path("stream_options").path("include_usage").asBoolean(false);
    String model = Fields.string(body, "model", ctx.model.name());
    String id = ctx.nextId("cmpl");
    if (!stream) {
      List<Completion> out = ctx.generate(ex, new GenJob(prompts, s, adapter));
      List<Object> choices = new ArrayList<>();
      for (int i = 0; i < out.size(); i++) choices.add(choice(i, out.get(i), prompts, logprobs >= 0, asIds));
      Map<String, Object> r = head(id, model);
      r.put("choices", choices);
      r.put("usage", Choices.usage(prompts, out));
      ex.send(200, r);
      return;
    }
    List<Completion> out = ctx.stream(ex, new GenJob(prompts, s, adapter, true), new ServeContext.StreamSink() {
      @Override
      public void token(int choice, int token, float lp, String delta) throws java.io.IOException {
        Completion one = new Completion(0, 0, new int[]{token}, null, new float[]{lp}, "length");
        ex.events().send(chunk(choice, delta, logprobs < 0 ? null : Choices.completionLogprobs(one, ctx.model.tokenizer(), asIds), null, List.of(token)));
      }

      @Override
      public void done(int choice, Completion c, String delta) throws java.io.IOException {
        ex.events().send(chunk(choice, delta, null, Choices.finishReason(c), List.of()));
      }

      private Map<String, Object> chunk(int choice, String text, Object lp, String finish, List<Integer> ids) {
        Map<String, Object> ch = new LinkedHashMap<>();
        ch.put("index", choice);
        ch.put("text", text);
        ch.put("logprobs", lp);
        ch.put("finish_reason", finish);
        ch.put("token_ids", ids);
        Map<String, Object> c = head(id, model);
        c.put("choices", List.of(ch));
        return c;
      }
    });
    Exchange.Events ev = ex.events();
    if (usageInStream) {
      Map<String, Object> chunk = head(id, model);
      chunk.put("choices", List.of());
      chunk.put("usage", Choices.usage(prompts, out));
      ev.send(chunk);
    }
    ev.done();
  }

  private Map<String, Object> head(String id, String model) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("id", id);
    r.put("object", "text_completion");
    r.put("created", ctx.now());
    r.put("model", model);
    return r;
  }

  private Map<String, Object> choice(int i, Completion c, List<int[]> prompts, boolean logprobs, boolean asIds) {
    Map<String, Object> ch = new LinkedHashMap<>();
    ch.put("index", i);
    ch.put("text", c.text());
    ch.put("logprobs", logprobs ? Choices.completionLogprobs(c, ctx.model.tokenizer(), asIds) : null);
    ch.put("finish_reason", Choices.finishReason(c));
    ch.put("stop_reason", null);
    ch.put("token_ids", Choices.ints(c.tokens()));
    ch.put("prompt_token_ids", Choices.ints(prompts.get(c.prompt())));
    ch.put("generation_token_ids", Choices.ints(c.tokens()));
    ch.put("generation_log_probs", Choices.floats(c.logprobs()));
    return ch;
  }

  private List<int[]> prompts(JsonNode body, boolean addSpecial) {
    JsonNode p = Fields.get(body, "prompt");
    if (p == null) throw new BadRequest("prompt", "required");
    List<int[]> out = new ArrayList<>();
    if (p.isTextual()) {
      out.add(encode(p.asText(), addSpecial, "prompt"));
    } else if (p.isArray() && !p.isEmpty() && p.get(0).isIntegralNumber()) {
      out.add(Fields.tokenIds(p, "prompt", ctx.model.vocabSize()));
    } else if (p.isArray() && !p.isEmpty()) {
      for (int i = 0; i < p.size(); i++) {
        JsonNode x = p.get(i);
        if (x.isTextual()) out.add(encode(x.asText(), addSpecial, "prompt[" + i + "]"));
        else if (x.isArray()) out.add(Fields.tokenIds(x, "prompt[" + i + "]", ctx.model.vocabSize()));
        else throw new BadRequest("prompt[" + i + "]", "expected a string or a list of token ids, found " + Fields.describe(x));
      }
    } else {
      throw new BadRequest("prompt", "expected a string, a list of strings or token ids, found " + (p.isArray() ? "an empty list" : Fields.describe(p)));
    }
    return out;
  }

  private int[] encode(String text, boolean addSpecial, String field) {
    int[] ids = ctx.model.tokenizer().encode(text, addSpecial);
    if (ids.length == 0) throw new BadRequest(field, "the prompt encodes to no tokens");
    return ids;
  }
}
