package dev.lathe.engine.data;

import java.util.List;
import java.util.Map;

/**
 * The post-type strings of one row, what Axolotl hands to TRL: prompt/chosen/rejected (DPO, IPO,
 * SimPO, ORPO; reward models have an empty prompt and full conversations), or prompt/completion/label
 * (KTO), or a prompt (GRPO; text or messages, other columns go to reward functions).
 */
public record TextExample(Method method, String prompt, String chosen, String rejected, String completion,
    Boolean label, Object grpoPrompt) {

  public static TextExample pair(Method m, String prompt, String chosen, String rejected) {
    return new TextExample(m, prompt, chosen, rejected, null, null, null);
  }

  public static TextExample kto(String prompt, String completion, boolean label) {
    return new TextExample(Method.KTO, prompt, null, null, completion, label, null);
  }

  /** Reads the fields its method needs from a transformed row, refusing missing, empty or non-text ones. */
  static TextExample of(Method m, Map<String, Object> row, String origin) {
    if (m.isGrpo()) {
      Object p = GrpoShapes.prompt(row, origin);
      if (p == null && m == Method.EBFT && row.get("text") instanceof String t) p = t; // strided EBFT on raw text: the whole text is the document
      if (p == null) {
        throw new DataException("row " + origin + ": after its type, the row has no prompt; rl: " + m.key + " needs "
            + GrpoShapes.ACCEPTED + "; found: " + row.keySet());
      }
      return new TextExample(m, p instanceof String s ? s : null, null, null, null, null, p);
    }
    if (m.isKto()) {
      Object label = row.get("label");
      if (!(label instanceof Boolean b)) {
        throw fail(m, row, origin, "'label' must be true (desirable) or false (undesirable), found "
            + (label == null ? (row.containsKey("label") ? "null" : "no label column") : JsonRows.kind(label) + " " + label));
      }
      return kto(text(m, row, origin, "prompt", true), text(m, row, origin, "completion", true), b);
    }
    boolean needPrompt = m != Method.REWARD_MODEL;
    String prompt = needPrompt ? text(m, row, origin, "prompt", true) : "";
    return pair(m, prompt, text(m, row, origin, "chosen", true), text(m, row, origin, "rejected", true));
  }

  private static String text(Method m, Map<String, Object> row, String origin, String key, boolean nonEmpty) {
    Object v = row.get(key);
    if (!row.containsKey(key) || v == null) {
      throw fail(m, row, origin, "lacks '" + key + "'" + (row.containsKey(key) ? " (null in this row)" : ""));
    }
    if (v instanceof List || v instanceof Map) {
      throw fail(m, row, origin, "'" + key + "' is " + JsonRows.kind(v) + " (a conversation); rl: " + m.key
          + " needs text here: use a chat_template type to render conversations");
    }
    String s = PyStr.str(v);
    if (nonEmpty && s.isEmpty()) {
      throw fail(m, row, origin, "'" + key + "' is empty (Axolotl: \"Prompt, chosen and rejected keys are required\")");
    }
    return s;
  }

  private static DataException fail(Method m, Map<String, Object> row, String origin, String what) {
    String need = m.isKto() ? "prompt, completion, label" : m.isGrpo() ? "prompt" : m == Method.REWARD_MODEL
        ? "chosen, rejected" : "prompt, chosen, rejected";
    return new DataException("row " + origin + ": after its type, the row " + what + "; rl: " + m.key
        + " needs " + need + "; found: " + row.keySet());
  }

  /** The completions of this example: [chosen, rejected] or [completion]. */
  public List<String> completions() {
    if (completion != null) {
      return List.of(completion);
    }
    return chosen == null ? List.of() : List.of(chosen, rejected);
  }
}
