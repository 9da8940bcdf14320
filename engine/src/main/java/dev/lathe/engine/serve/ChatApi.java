package dev.lathe.engine.serve;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.lathe.engine.generate.Completion;
import dev.lathe.engine.generate.Sampling;
import dev.lathe.engine.text.ChatTemplateException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * POST /v1/chat/completions. Messages are rendered only through the engine's chat-template path
 * ({@code ChatTemplate.render}, the served model's template) and encoded without extra special
 * tokens (the template places BOS). Message contents are data handed to the template, never
 * templates themselves. The response carries vLLM's token fields (top-level {@code prompt_token_ids},
 * per choice {@code token_ids}), which NeMo Gym's vLLM proxy reads. With {@code tools} (and tool_choice not "none") the
 * tools reach the template as {@code tools} and Hermes tool calls in the answer come back as {@code message.tool_calls}
 * ({@link ToolCalls}, vLLM's hermes parser), finish_reason "tool_calls".
 */
final class ChatApi {
  private static final Set<String> KNOWN = new HashSet<>(SamplingFields.NAMES);
  private static final Set<String> IGNORED = Set.of("user", "return_token_ids", "stream_options", "skip_special_tokens",
      "parallel_tool_calls", "response_format", "echo", "logit_bias", "return_tokens_as_token_ids", "continue_final_message");

  static {
    KNOWN.addAll(List.of("model", "messages", "stream", "logprobs", "top_logprobs", "max_completion_tokens",
        "add_generation_prompt", "chat_template_kwargs", "tools", "tool_choice"));
  }

  private final ServeContext ctx;

  ChatApi(ServeContext ctx) { this.ctx = ctx; }

  void handle(Exchange ex) throws Exception {
    JsonNode body = ex.json();
    Fields.onlyKnown(body, KNOWN, IGNORED);
    checkUnsupported(body);
    boolean adapter = ctx.adapterFor(body);
    List<Object> tools = tools(body);
    int[] prompt = render(ctx, Fields.requiredArray(body, "messages"), "messages", Fields.bool(body, "add_generation_prompt", true),
        Fields.get(body, "chat_template_kwargs"), tools);
    boolean parseCalls = !tools.isEmpty() && !"none".equals(body.path("tool_choice").asText("auto"));
    String lengthField = Fields.get(body, "max_completion_tokens") != null ? "max_completion_tokens" : "max_tokens";
    Sampling s = SamplingFields.parse(body, ctx.model, lengthField, -1, prompt.length);
    boolean logprobs = Fields.bool(body, "logprobs", false);
    boolean asIds = Fields.bool(body, "return_tokens_as_token_ids", false);
    String model = Fields.string(body, "model", ctx.model.name());
    String id = ctx.nextId("chatcmpl");
    if (Fields.bool(body, "stream", false)) {
      stream(ex, id, model, new GenJob(List.of(prompt), s, adapter, true), List.of(prompt), logprobs, asIds,
          body.path("stream_options").path("include_usage").asBoolean(false));
      return;
    }
    List<Completion> out = ctx.generate(ex, new GenJob(List.of(prompt), s, adapter));
    List<Object> choices = new ArrayList<>();
    for (int i = 0; i < out.size(); i++) {
      Completion c = out.get(i);
      Map<String, Object> ch = new LinkedHashMap<>();
      ch.put("index", i);
      ToolCalls.Parsed calls = parseCalls ? ToolCalls.parse(c.text()) : null;
      boolean called = calls != null && !calls.calls().isEmpty();
      ch.put("message", called ? toolMessage(calls, id + "-" + i) : message(c.text()));
      ch.put("logprobs", logprobs ? Choices.chatLogprobs(c, ctx.model.tokenizer(), asIds, 0, c.tokens().length) : null);
      ch.put("finish_reason", called && !c.finishReason().equals("length") ? "tool_calls" : Choices.finishReason(c));
      ch.put("stop_reason", null);
      ch.put("token_ids", Choices.ints(c.tokens()));
      choices.add(ch);
    }
    Map<String, Object> r = head(id, model, "chat.completion");
    r.put("choices", choices);
    r.put("usage", Choices.usage(List.of(prompt), out));
    r.put("prompt_token_ids", Choices.ints(prompt));
    ex.send(200, r);
  }

  private static void checkUnsupported(JsonNode body) {
    Fields.neutral(body, "top_logprobs", IntNode.valueOf(0), "top alternatives are not computed");
    Fields.neutral(body, "echo", BooleanNode.FALSE, "echo is not implemented");
    Fields.neutral(body, "continue_final_message", BooleanNode.FALSE, "continue_final_message is not implemented");
    JsonNode tools = Fields.get(body, "tools");
    if (tools != null && !tools.isEmpty() && Fields.bool(body, "stream", false)) {
      throw new BadRequest("tools", "tool calls are parsed in non-streamed answers only; send stream: false");
    }
    JsonNode rf = Fields.get(body, "response_format");
    if (rf != null && !"text".equals(rf.path("type").asText())) throw new BadRequest("response_format", "only {\"type\": \"text\"} is supported");
  }

  /** OpenAI's tools ([{type: function, function: {name, description, parameters}}]) for the template's `tools`; empty when none. */
  private static List<Object> tools(JsonNode body) {
    JsonNode t = Fields.get(body, "tools");
    if (t == null) return List.of();
    if (!t.isArray()) throw new BadRequest("tools", "expected a list of tools, found " + Fields.describe(t));
    for (int i = 0; i < t.size(); i++) {
      if (!t.get(i).path("function").path("name").isTextual()) throw new BadRequest("tools[" + i + "].function.name", "expected a string");
    }
    return Exchange.JSON.convertValue(t, new TypeReference<List<Object>>() {});
  }

  /**
   * An assistant message with the Hermes tool calls of the generated text (vLLM's --tool-call-parser hermes shape),
   * what NeMo Gym's vLLM proxy turns into function_call items.
   */
  private static Map<String, Object> toolMessage(ToolCalls.Parsed p, String idPrefix) {
    List<Object> calls = new ArrayList<>();
    for (int k = 0; k < p.calls().size(); k++) {
      Map<String, Object> fn = new LinkedHashMap<>();
      fn.put("name", p.calls().get(k).name());
      fn.put("arguments", p.calls().get(k).arguments());
      Map<String, Object> call = new LinkedHashMap<>();
      call.put("id", "call-" + idPrefix + "-" + k);
      call.put("type", "function");
      call.put("function", fn);
      calls.add(call);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("role", "assistant");
    m.put("content", p.text().isEmpty() ? null : p.text());
    m.put("tool_calls", calls);
    return m;
  }

  /** Renders one conversation with the served template and encodes it; shared with TRL's /chat/. */
  static int[] render(ServeContext ctx, JsonNode messages, String field, boolean addGenerationPrompt, JsonNode kwargs) {
    return render(ctx, messages, field, addGenerationPrompt, kwargs, List.of());
  }

  /** As above, with OpenAI tools passed to the template as `tools` (HF's apply_chat_template(tools=...)). */
  static int[] render(ServeContext ctx, JsonNode messages, String field, boolean addGenerationPrompt, JsonNode kwargs, List<Object> tools) {
    if (!messages.isArray() || messages.isEmpty()) throw new BadRequest(field, "expected a non-empty list of messages");
    for (int i = 0; i < messages.size(); i++) {
      JsonNode m = messages.get(i);
      String at = field + "[" + i + "]";
      if (!m.isObject()) throw new BadRequest(at, "expected a message object, found " + Fields.describe(m));
      if (!m.path("role").isTextual()) throw new BadRequest(at + ".role", "expected a string role");
      JsonNode c = m.get("content");
      if (c != null && !c.isNull() && !c.isTextual() && !c.isArray()) {
        throw new BadRequest(at + ".content", "expected a string or a list of content parts, found " + Fields.describe(c));
      }
    }
    List<Map<String, Object>> list = Exchange.JSON.convertValue(messages, new TypeReference<>() {});
    Map<String, Object> vars = new HashMap<>();
    var tok = ctx.model.tokenizer();
    vars.put("bos_token", tok.bosToken() == null ? "" : tok.bosToken());
    vars.put("eos_token", tok.eosToken() == null ? "" : tok.eosToken());
    vars.put("pad_token", tok.padToken() == null ? "" : tok.padToken());
    vars.putAll(ctx.model.templateVars()); // a live policy's chat_template_kwargs, as its training prompts got them
    if (!tools.isEmpty()) vars.put("tools", tools);
    if (kwargs != null) {
      if (!kwargs.isObject()) throw new BadRequest("chat_template_kwargs", "expected an object, found " + Fields.describe(kwargs));
      Map<String, Object> extra = Exchange.JSON.convertValue(kwargs, new TypeReference<>() {});
      for (String k : extra.keySet()) {
        if (k.equals("messages") || k.equals("add_generation_prompt")) throw new BadRequest("chat_template_kwargs." + k, "is set by the server");
      }
      vars.putAll(extra);
    }
    String text;
    try {
      text = ctx.model.template().render(list, addGenerationPrompt, vars);
    } catch (ChatTemplateException e) {
      throw new BadRequest(field, "the chat template refused these messages: " + e.getMessage());
    }
    int[] ids = tok.encode(text, false);
    if (ids.length == 0) throw new BadRequest(field, "the rendered conversation encodes to no tokens");
    return ids;
  }

  private void stream(Exchange ex, String id, String model, GenJob job, List<int[]> prompts, boolean logprobs,
      boolean asIds, boolean usage) throws Exception {
    boolean[] opened = new boolean[job.rows()];
    List<Completion> out = ctx.stream(ex, job, new ServeContext.StreamSink() {
      @Override
      public void token(int choice, int token, float lp, String delta) throws java.io.IOException {
        open(choice);
        Object lps = null;
        if (logprobs) {
          Completion one = new Completion(0, 0, new int[]{token}, null, new float[]{lp}, "length");
          lps = Choices.chatLogprobs(one, ctx.model.tokenizer(), asIds, 0, 1);
        }
        ex.events().send(chunk(id, model, choice, Map.of("content", delta), lps, null, List.of(token)));
      }

      @Override
      public void done(int choice, Completion c, String delta) throws java.io.IOException {
        open(choice);
        ex.events().send(chunk(id, model, choice, Map.of("content", delta), null, Choices.finishReason(c), List.of()));
      }

      // OpenAI's first chunk of a choice carries the role
      private void open(int choice) throws java.io.IOException {
        if (opened[choice]) return;
        opened[choice] = true;
        ex.events().send(chunk(id, model, choice, Map.of("role", "assistant", "content", ""), null, null, List.of()));
      }
    });
    Exchange.Events ev = ex.events();
    if (usage) {
      Map<String, Object> r = head(id, model, "chat.completion.chunk");
      r.put("choices", List.of());
      r.put("usage", Choices.usage(prompts, out));
      ev.send(r);
    }
    ev.done();
  }

  private Map<String, Object> chunk(String id, String model, int index, Map<String, Object> delta, Object lp, String finish,
      List<Integer> tokenIds) {
    Map<String, Object> ch = new LinkedHashMap<>();
    ch.put("index", index);
    ch.put("delta", delta);
    ch.put("logprobs", lp);
    ch.put("finish_reason", finish);
    ch.put("token_ids", tokenIds);
    Map<String, Object> r = head(id, model, "chat.completion.chunk");
    r.put("choices", List.of(ch));
    return r;
  }

  private Map<String, Object> head(String id, String model, String object) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("id", id);
    r.put("object", object);
    r.put("created", ctx.now());
    r.put("model", model);
    return r;
  }

  private static Map<String, Object> message(String text) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("role", "assistant");
    m.put("content", text);
    return m;
  }
}
