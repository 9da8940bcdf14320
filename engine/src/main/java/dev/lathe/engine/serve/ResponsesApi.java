package dev.lathe.engine.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.lathe.engine.generate.Completion;
import dev.lathe.engine.generate.Sampling;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * POST /v1/responses, the OpenAI Responses call NeMo Gym's agents make to their model server
 * (ebft-nemogym.md §B.3–§B.4), answered as NeMo Gym's vLLM proxy answers with
 * return_token_id_information: the output items (Hermes tool calls as function_call items, the rest as one
 * assistant message) and, on the last item, prompt_token_ids, generation_token_ids and
 * generation_log_probs (the sampler's per-token log-probs). The request fields are NeMo Gym's
 * NeMoGymResponseCreateParamsNonStreaming (any other key is refused, as pydantic's extra="forbid" does);
 * sampling is max_output_tokens, temperature and top_p; `model` is echoed and selects the LoRA slot only when it
 * names it (any other name gets the served weights: NeMo Gym sends its own). Prompts: {@link ResponsesPrompt}.
 */
final class ResponsesApi {
  private static final Set<String> KNOWN = Set.of("input", "tools", "tool_choice", "parallel_tool_calls", "max_output_tokens", "temperature",
      "top_p", "instructions", "metadata", "model", "reasoning", "text", "truncation", "store", "include", "background", "max_tool_calls",
      "previous_response_id", "prompt", "service_tier", "top_logprobs", "user", "stream");

  private final ServeContext ctx;

  ResponsesApi(ServeContext ctx) { this.ctx = ctx; }

  void handle(Exchange ex) throws Exception {
    JsonNode body = ex.json();
    Fields.onlyKnown(body, KNOWN, Set.of());
    Fields.neutral(body, "stream", BooleanNode.FALSE, "streaming responses are not implemented");
    Fields.neutral(body, "background", BooleanNode.FALSE, "background responses are not implemented");
    Fields.neutral(body, "previous_response_id", NullNode.instance, "responses are not stored; send the whole conversation as input");
    Fields.neutral(body, "prompt", NullNode.instance, "stored prompts are not implemented");
    Fields.neutral(body, "top_logprobs", IntNode.valueOf(0), "top alternatives are not computed");
    int[] prompt = ResponsesPrompt.of(ctx.model).encode(body, ctx.model.vocabSize());
    Map<String, JsonNode> sampling = new LinkedHashMap<>();
    for (String k : List.of("max_output_tokens", "temperature", "top_p")) if (Fields.get(body, k) != null) sampling.put(k, body.get(k));
    Sampling s = SamplingFields.parse(Exchange.JSON.valueToTree(sampling), ctx.model, "max_output_tokens", -1, prompt.length);
    // NeMo Gym sends its own model name: the adapter slot when it names it, else the served weights (never a 400)
    String asked = Fields.string(body, "model", null);
    boolean adapter = asked != null && ctx.model.adapters().selects(asked);
    Completion c = ctx.generate(ex, new GenJob(List.of(prompt), s, adapter)).getFirst();

    String id = ctx.nextId("resp");
    ToolCalls.Parsed parsed = ToolCalls.parse(c.text() == null ? "" : c.text());
    List<Map<String, Object>> output = new ArrayList<>();
    if (!parsed.text().isEmpty() || parsed.calls().isEmpty()) {
      Map<String, Object> part = new LinkedHashMap<>();
      part.put("type", "output_text");
      part.put("text", parsed.text());
      part.put("annotations", List.of());
      Map<String, Object> msg = new LinkedHashMap<>();
      msg.put("id", "msg-" + id);
      msg.put("type", "message");
      msg.put("role", "assistant");
      msg.put("status", "completed");
      msg.put("content", List.of(part));
      output.add(msg);
    }
    for (int i = 0; i < parsed.calls().size(); i++) {
      ToolCalls.Call call = parsed.calls().get(i);
      Map<String, Object> fc = new LinkedHashMap<>();
      fc.put("id", "fc-" + id + "-" + i);
      fc.put("type", "function_call");
      fc.put("call_id", "call-" + id + "-" + i);
      fc.put("name", call.name());
      fc.put("arguments", call.arguments());
      fc.put("status", "completed");
      output.add(fc);
    }
    Map<String, Object> last = output.getLast(); // NeMo Gym's proxy puts the training fields on a call's last item
    last.put("prompt_token_ids", Choices.ints(prompt));
    last.put("generation_token_ids", Choices.ints(c.tokens()));
    last.put("generation_log_probs", Choices.floats(c.logprobs()));

    boolean cut = "length".equals(c.finishReason());
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("id", id);
    r.put("object", "response");
    r.put("created_at", ctx.now());
    r.put("model", Fields.string(body, "model", ctx.model.name()));
    r.put("status", cut ? "incomplete" : "completed");
    r.put("incomplete_details", cut ? Map.of("reason", "max_output_tokens") : null);
    r.put("output", output);
    r.put("parallel_tool_calls", Fields.bool(body, "parallel_tool_calls", true));
    r.put("tool_choice", body.has("tool_choice") && !body.get("tool_choice").isNull() ? body.get("tool_choice") : "auto");
    r.put("tools", body.has("tools") && !body.get("tools").isNull() ? body.get("tools") : List.of());
    r.put("temperature", s.temperature());
    r.put("top_p", s.topP());
    r.put("max_output_tokens", s.maxNewTokens());
    Map<String, Object> usage = new LinkedHashMap<>();
    usage.put("input_tokens", prompt.length);
    usage.put("output_tokens", c.tokens().length);
    usage.put("total_tokens", prompt.length + c.tokens().length);
    r.put("usage", usage);
    ex.send(200, r);
  }
}
