package dev.lathe.engine.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The prompt of a GRPO row, from the shapes Axolotl users' datasets have (docs/rewards.md, "Datasets"):
 * <ol>
 *   <li>{@code prompt}: a string (used as is) or a list of messages;</li>
 *   <li>no {@code prompt}, but {@code messages} or {@code conversations} (an SFT conversation): the
 *       messages up to the last non-assistant one, i.e. trailing assistant answers are dropped so the
 *       model generates them;</li>
 *   <li>no conversation, but {@code question} or {@code problem} (GSM8K, MATH): one user message.</li>
 * </ol>
 * Messages may use {role, content} or ShareGPT's {from, value} (human -> user, gpt/model -> assistant).
 * The row itself is not changed: reward functions see its columns as they are.
 */
public final class GrpoShapes {
  private GrpoShapes() {}

  static final String ACCEPTED = "a `prompt` (text or messages), a `messages`/`conversations` list, or a `question`/`problem` text";

  /** The prompt (a String or a List of {role, content} maps), or null when the row has none of the shapes. */
  static Object prompt(Map<String, Object> row, String origin) {
    Object p = row.get("prompt");
    if (p instanceof String) return p;
    if (p instanceof List<?> l) return messages(l, origin, "prompt");
    if (p != null) throw new DataException("row " + origin + ": 'prompt' must be a text or a list of messages, found " + JsonRows.kind(p));
    for (String key : List.of("messages", "conversations")) {
      if (row.get(key) instanceof List<?> l) {
        List<Map<String, Object>> m = messages(l, origin, key);
        int end = m.size();
        while (end > 0 && "assistant".equals(m.get(end - 1).get("role"))) end--;
        if (end == 0) throw new DataException("row " + origin + ": '" + key + "' has no user or system message to prompt with");
        return List.copyOf(m.subList(0, end));
      }
    }
    for (String key : List.of("question", "problem")) {
      if (row.get(key) instanceof String q) return List.of(Map.<String, Object>of("role", "user", "content", q));
    }
    return null;
  }

  /** Messages as {role, content} maps (other keys kept), ShareGPT roles mapped; errors name the row and element. */
  static List<Map<String, Object>> messages(List<?> list, String origin, String key) {
    if (list.isEmpty()) throw new DataException("row " + origin + ": '" + key + "' is an empty list of messages");
    List<Map<String, Object>> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      if (!(list.get(i) instanceof Map<?, ?> m)) {
        throw new DataException("row " + origin + ": " + key + "[" + i + "] must be a message {role, content}, found " + JsonRows.kind(list.get(i)));
      }
      Object role = m.containsKey("role") ? m.get("role") : m.get("from");
      Object content = m.containsKey("content") ? m.get("content") : m.get("value");
      if (!(role instanceof String r) || !(content instanceof String c)) {
        throw new DataException("row " + origin + ": " + key + "[" + i + "] needs a text role and content ({role, content} or {from, value}), found keys " + m.keySet());
      }
      Map<String, Object> msg = new LinkedHashMap<>();
      m.forEach((k, v) -> { if (!k.equals("from") && !k.equals("value")) msg.put(String.valueOf(k), v); });
      msg.put("role", role(r));
      msg.put("content", c);
      out.add(msg);
    }
    return out;
  }

  private static String role(String r) {
    return switch (r) {
      case "human" -> "user";
      case "gpt", "model", "bot" -> "assistant";
      default -> r;
    };
  }
}
