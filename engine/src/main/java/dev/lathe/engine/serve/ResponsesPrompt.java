package dev.lathe.engine.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.engine.text.ChatTemplate;
import dev.lathe.engine.text.ChatTemplateException;
import dev.lathe.engine.text.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The prompt token ids of an OpenAI Responses request (NeMo Gym's agents call POST /v1/responses,
 * ebft-nemogym.md §B.4): `instructions` and the `input` items become chat messages, rendered by the served
 * chat template with `tools` and the generation prompt, and encoded without added special tokens (the
 * template places BOS), exactly as GRPO encodes a message prompt.
 *
 * <p>Items: a message ({role, content} with text or text parts; role developer is rendered as system), a
 * function_call (an assistant tool call, merged with the assistant items of the same model call), a
 * function_call_output (a tool message), a reasoning item (not rendered: Lathe's models emit none).
 *
 * <p>Later turns keep the earlier turns' tokens: an item carrying NeMo Gym's training fields
 * (prompt_token_ids + generation_token_ids, which this server attaches to the last item of each model
 * call) marks a model call, and the prompt becomes those ids followed by the tokens of what the template
 * adds after that turn (its end-of-turn glue, tool results, the next generation prompt). Re-encoding the
 * decoded history instead would give other ids than were sampled, and the trainer could not line the
 * turns up (Axolotl's §B.9 alignment problem). A template that renders earlier turns differently once
 * later ones exist (one that strips reasoning from history, say) is refused with a 400.
 */
public final class ResponsesPrompt {
  private final Tokenizer tok;
  private final ChatTemplate template;
  private final Map<String, Object> vars;

  public ResponsesPrompt(Tokenizer tok, ChatTemplate template, Map<String, Object> vars) {
    this.tok = tok;
    this.template = template;
    this.vars = vars == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(vars)); // values may be null
  }

  static ResponsesPrompt of(ServedModel m) { return new ResponsesPrompt(m.tokenizer(), m.template(), m.templateVars()); }

  /** The messages of one request and, per message, whether it ends a model call whose token ids were given. */
  private record Conversation(List<Map<String, Object>> messages, int lastModelCall, int[] prefix, boolean prefixEndsWithEos) {}

  /** Prompt ids of a Responses request body (`input`, `instructions`, `tools`). */
  public int[] encode(JsonNode params, int vocab) {
    Conversation c = conversation(params, vocab);
    Map<String, Object> v = new LinkedHashMap<>(vars);
    List<Map<String, Object>> tools = tools(Fields.get(params, "tools"));
    if (!tools.isEmpty()) v.put("tools", tools);
    String full = render(c.messages(), true, v);
    if (c.lastModelCall() < 0) {
      int[] ids = tok.encode(full, false);
      if (ids.length == 0) throw new BadRequest("input", "the rendered conversation encodes to no tokens");
      return ids;
    }
    String head = render(c.messages().subList(0, c.lastModelCall() + 1), false, v);
    if (!full.startsWith(head)) {
      throw new BadRequest("input", "the chat template renders the conversation up to the last model call differently once later items "
          + "follow it, so the tokens sampled then cannot be kept (a template that rewrites history)");
    }
    // what the template writes after the model's end-of-turn token, then everything after that turn
    String eos = tok.eosToken() == null ? "" : tok.eosToken();
    int at = eos.isEmpty() ? -1 : head.lastIndexOf(eos);
    String tail = at < 0 ? "" : head.substring(at + eos.length());
    String glue = (c.prefixEndsWithEos() || at < 0 ? "" : eos) + tail + full.substring(head.length());
    int[] more = tok.encode(glue, false);
    int[] ids = java.util.Arrays.copyOf(c.prefix(), c.prefix().length + more.length);
    System.arraycopy(more, 0, ids, c.prefix().length, more.length);
    return ids;
  }

  private String render(List<Map<String, Object>> messages, boolean generationPrompt, Map<String, Object> v) {
    try {
      return template.render(messages, generationPrompt, tok, v);
    } catch (ChatTemplateException e) {
      throw new BadRequest("input", "the chat template refused these messages: " + e.getMessage());
    }
  }

  private Conversation conversation(JsonNode params, int vocab) {
    List<Map<String, Object>> messages = new ArrayList<>();
    JsonNode instructions = Fields.get(params, "instructions");
    if (instructions != null) {
      if (!instructions.isTextual()) throw new BadRequest("instructions", "expected a string, found " + Fields.describe(instructions));
      messages.add(message("system", instructions.asText()));
    }
    JsonNode input = Fields.get(params, "input");
    if (input == null) throw new BadRequest("input", "required");
    if (input.isTextual()) {
      messages.add(message("user", input.asText()));
      return new Conversation(messages, -1, null, false);
    }
    if (!input.isArray() || input.isEmpty()) throw new BadRequest("input", "expected a string or a non-empty list of items, found " + Fields.describe(input));
    int lastCall = -1;
    int[] prefix = null;
    boolean endsWithEos = false;
    boolean callOpen = false; // the last message is an assistant turn still collecting items of one model call
    for (int i = 0; i < input.size(); i++) {
      JsonNode item = input.get(i);
      String at = "input[" + i + "]";
      if (!item.isObject()) throw new BadRequest(at, "expected an item object, found " + Fields.describe(item));
      String type = item.path("type").isTextual() ? item.get("type").asText() : item.has("role") ? "message" : null;
      if (type == null) throw new BadRequest(at + ".type", "expected an item type (message, function_call, function_call_output, reasoning)");
      switch (type) {
        case "message" -> {
          if (!item.path("role").isTextual()) throw new BadRequest(at + ".role", "expected a string role");
          String role = item.get("role").asText();
          String text = text(item.get("content"), at + ".content");
          if (role.equals("assistant") && callOpen) {
            Map<String, Object> m = messages.getLast();
            m.put("content", m.get("content") + text);
          } else {
            messages.add(message(role.equals("developer") ? "system" : role, text));
          }
          callOpen = role.equals("assistant");
        }
        case "function_call" -> {
          if (!callOpen) messages.add(message("assistant", ""));
          Map<String, Object> fn = new LinkedHashMap<>();
          fn.put("name", string(item, "name", at));
          fn.put("arguments", string(item, "arguments", at));
          Map<String, Object> call = new LinkedHashMap<>();
          call.put("id", item.path("call_id").asText(""));
          call.put("type", "function");
          call.put("function", fn);
          @SuppressWarnings("unchecked")
          List<Object> calls = (List<Object>) messages.getLast().computeIfAbsent("tool_calls", k -> new ArrayList<>());
          calls.add(call);
          callOpen = true;
        }
        case "function_call_output" -> {
          JsonNode out = item.get("output");
          Map<String, Object> m = message("tool", out == null || out.isNull() ? "" : out.isTextual() ? out.asText() : out.toString());
          m.put("tool_call_id", item.path("call_id").asText(""));
          messages.add(m);
          callOpen = false;
        }
        case "reasoning" -> { }
        default -> throw new BadRequest(at + ".type", "unsupported item type '" + type + "' (message, function_call, function_call_output, reasoning)");
      }
      if (item.has("generation_token_ids")) {
        if (!callOpen) throw new BadRequest(at, "token ids of a model call on an item that is not the model's (" + type + ")");
        int[] p = Fields.tokenIds(item.get("prompt_token_ids"), at + ".prompt_token_ids", vocab);
        int[] g = Fields.tokenIds(item.get("generation_token_ids"), at + ".generation_token_ids", vocab);
        prefix = java.util.Arrays.copyOf(p, p.length + g.length);
        System.arraycopy(g, 0, prefix, p.length, g.length);
        endsWithEos = g.length > 0 && tok.eosToken() != null && g[g.length - 1] == tok.tokenToId(tok.eosToken());
        lastCall = messages.size() - 1;
        callOpen = false; // the training fields sit on the last item of a model call
      }
    }
    return new Conversation(messages, lastCall, prefix, endsWithEos);
  }

  /** Responses tools ({type: function, name, description, parameters}) in the chat-template shape HF templates read. */
  private static List<Map<String, Object>> tools(JsonNode tools) {
    List<Map<String, Object>> out = new ArrayList<>();
    if (tools == null) return out;
    if (!tools.isArray()) throw new BadRequest("tools", "expected a list, found " + Fields.describe(tools));
    for (int i = 0; i < tools.size(); i++) {
      JsonNode t = tools.get(i);
      if (!"function".equals(t.path("type").asText("function"))) throw new BadRequest("tools[" + i + "].type", "only function tools are supported");
      Map<String, Object> fn = new LinkedHashMap<>();
      fn.put("name", string(t, "name", "tools[" + i + "]"));
      if (t.has("description")) fn.put("description", t.get("description").asText());
      if (t.has("parameters")) fn.put("parameters", Exchange.JSON.convertValue(t.get("parameters"), Map.class));
      Map<String, Object> tool = new LinkedHashMap<>();
      tool.put("type", "function");
      tool.put("function", fn);
      out.add(tool);
    }
    return out;
  }

  private static String text(JsonNode content, String at) {
    if (content == null || content.isNull()) return "";
    if (content.isTextual()) return content.asText();
    if (!content.isArray()) throw new BadRequest(at, "expected a string or a list of content parts, found " + Fields.describe(content));
    StringBuilder b = new StringBuilder();
    for (int j = 0; j < content.size(); j++) {
      JsonNode part = content.get(j);
      if (!part.path("text").isTextual()) throw new BadRequest(at + "[" + j + "]", "only text parts (input_text, output_text) are supported");
      b.append(part.get("text").asText());
    }
    return b.toString();
  }

  private static String string(JsonNode item, String field, String at) {
    if (!item.path(field).isTextual()) throw new BadRequest(at + "." + field, "expected a string");
    return item.get(field).asText();
  }

  private static Map<String, Object> message(String role, String content) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("role", role);
    m.put("content", content);
    return m;
  }
}
