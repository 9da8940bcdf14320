package dev.lathe.engine.serve;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tool calls in generated text, in the Hermes format Qwen-style templates teach (vLLM's `hermes` parser,
 * the one NeMo Gym's docs start vLLM with): each `<tool_call>{"name": ..., "arguments": {...}}</tool_call>`
 * block is a call; the text outside the blocks is the assistant's message. A block whose JSON does not parse
 * or has no name stays text (the model did not make a call), as vLLM's parser leaves it.
 */
public final class ToolCalls {
  private static final Pattern BLOCK = Pattern.compile("<tool_call>(.*?)</tool_call>", Pattern.DOTALL);

  /** arguments: the call's JSON arguments as text (OpenAI's function_call.arguments). */
  public record Call(String name, String arguments) {}

  public record Parsed(String text, List<Call> calls) {}

  private ToolCalls() {}

  public static Parsed parse(String generated) {
    List<Call> calls = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    Matcher m = BLOCK.matcher(generated);
    int last = 0;
    while (m.find()) {
      Call c = call(m.group(1));
      if (c == null) continue; // kept as text below
      text.append(generated, last, m.start());
      last = m.end();
      calls.add(c);
    }
    text.append(generated.substring(last));
    return new Parsed(calls.isEmpty() ? generated : text.toString().strip(), calls);
  }

  private static Call call(String json) {
    JsonNode j;
    try {
      j = Exchange.JSON.readTree(json.strip());
    } catch (java.io.IOException e) {
      return null;
    }
    if (j == null || !j.path("name").isTextual()) return null;
    JsonNode args = j.get("arguments");
    String a = args == null || args.isNull() ? "{}" : args.isTextual() ? args.asText() : args.toString();
    return new Call(j.get("name").asText(), a);
  }
}
