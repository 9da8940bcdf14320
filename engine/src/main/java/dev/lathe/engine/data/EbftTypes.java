package dev.lathe.engine.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Axolotl's EBFT dataset transforms (prompt_strategies/ebft; ebft-nemogym.md §A.8) for `rl: ebft`. Each turns
 * a row into what EBFT reads: a prompt (text or messages) and a `ground_truth` text. Like Axolotl's they
 * remove every input column. Roles may be {role, content} or ShareGPT's {from, value} (GrpoShapes reads both).
 * The transforms whose rows Lathe cannot train as Axolotl means them are refused with the reason.
 */
final class EbftTypes {
  private EbftTypes() {}

  static final List<String> TYPES = List.of("ebft_opencode.transform", "ebft_strided_structured.transform",
      "ebft_chat_multiturn.transform_last_turn", "ebft_chat_multiturn.transform_all_turns");

  private static final Map<String, String> REFUSED = Map.of(
      "ebft_chat_multiturn.transform", "its `remaining_turns` need Axolotl's sequential multi-turn rollout (each later "
          + "assistant turn generated through the server), which Lathe does not run; use "
          + "ebft_chat_multiturn.transform_last_turn or .transform_all_turns",
      "ebft_strided_chat.transform", "it labels every assistant turn of a conversation, and Lathe's strided documents "
          + "have one prompt boundary; give prompt + ground_truth rows (ebft_chat_multiturn.transform_last_turn)",
      "ebft_reasoning.transform", "reasoning (<think>) transforms are not implemented in Lathe; write a `type: module.fn` transform",
      "ebft_reasoning.transform_answer_only", "reasoning (<think>) transforms are not implemented in Lathe; write a `type: module.fn` transform",
      "ebft_reasoning.transform_split_thinking", "reasoning (<think>) transforms are not implemented in Lathe; write a `type: module.fn` transform",
      "ebft_reasoning.transform_strided", "reasoning (<think>) transforms are not implemented in Lathe; write a `type: module.fn` transform");

  private static final List<String> ALL = List.of("__all__");

  /** The strategy for type t, null when t is not an EBFT type; a refused type is an error naming why. */
  static TypeStrategy resolve(String t, String label) {
    String reason = REFUSED.get(t);
    if (reason != null) throw new DataException(label + ": type " + t + " is refused: " + reason);
    return switch (t) {
      case "ebft_opencode.transform" -> new TypeStrategy(t, "'input' and 'output'", (r, w) -> opencode(r), ALL);
      case "ebft_strided_structured.transform" -> new TypeStrategy(t,
          "'input', 'prompt' or 'question', and 'output', 'completion' or 'answer'", (r, w) -> structured(r), ALL);
      case "ebft_chat_multiturn.transform_last_turn" -> new TypeStrategy(t, "'messages' or 'conversations' with an assistant turn",
          (r, w) -> lastTurn(r), ALL);
      case "ebft_chat_multiturn.transform_all_turns" -> TypeStrategy.expanding(t,
          "'messages' or 'conversations' with an assistant turn", EbftTypes::allTurns, ALL);
      default -> null;
    };
  }

  private static Map<String, Object> opencode(Row r) {
    return row(List.of(message("user", r.text("input"))), r.text("output"));
  }

  // strided documents: the prompt is encoded as text (special tokens added), the ground truth without
  private static Map<String, Object> structured(Row r) {
    String p = r.text(r.firstPresent("input", "prompt", "question"));
    return row(p, r.text(r.firstPresent("output", "completion", "answer")));
  }

  private static Map<String, Object> lastTurn(Row r) {
    List<Map<String, Object>> m = messages(r);
    int last = -1;
    for (int i = 0; i < m.size(); i++) if ("assistant".equals(m.get(i).get("role"))) last = i;
    if (last < 0) throw r.fail("the conversation has no assistant turn to use as the ground truth");
    return turn(r, m, last);
  }

  private static List<Map<String, Object>> allTurns(Row r) {
    List<Map<String, Object>> m = messages(r);
    List<Map<String, Object>> out = new ArrayList<>();
    for (int i = 0; i < m.size(); i++) if ("assistant".equals(m.get(i).get("role"))) out.add(turn(r, m, i));
    if (out.isEmpty()) throw r.fail("the conversation has no assistant turn to use as the ground truth");
    return out;
  }

  // the history before assistant turn i is the prompt; a turn with nothing before it has nothing to answer
  private static Map<String, Object> turn(Row r, List<Map<String, Object>> m, int i) {
    if (i == 0) throw r.fail("assistant turn 0 has no user or system message before it to prompt with");
    return row(List.copyOf(m.subList(0, i)), r.textValue(m.get(i).get("content"), "assistant turn " + i + "'s content"));
  }

  private static List<Map<String, Object>> messages(Row r) {
    String key = r.firstPresent("messages", "conversations");
    return GrpoShapes.messages(r.list(key), r.origin(), key);
  }

  private static Map<String, Object> message(String role, String content) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("role", role);
    m.put("content", content);
    return m;
  }

  private static Map<String, Object> row(Object prompt, String groundTruth) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("prompt", prompt);
    out.put("ground_truth", groundTruth);
    return out;
  }
}
