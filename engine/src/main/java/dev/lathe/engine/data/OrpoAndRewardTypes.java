package dev.lathe.engine.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** ORPO's chat_template.argilla (§6) and reward modelling's bradley_terry.chat_template (§7). */
final class OrpoAndRewardTypes {
  private OrpoAndRewardTypes() {}

  static TypeStrategy orpoArgilla(ChatRenderer renderer) {
    return new TypeStrategy("chat_template.argilla", "system?, prompt?, chosen [even number of alternating "
        + "user/assistant messages], rejected [same history + its response]", (r, w) -> {
          List<?> c = r.list("chosen");
          List<?> j = r.list("rejected");
          if (c.size() % 2 != 0 || c.isEmpty()) {
            throw r.fail("field 'chosen' has " + c.size() + " messages; an even number >= 2 of alternating "
                + "user/assistant turns is needed (Axolotl: AssertionError invalid number of turns)");
          }
          if (j.isEmpty()) {
            throw r.fail("field 'rejected' is empty; its last message is the rejected response");
          }
          List<Map<String, Object>> prompt = promptMessages(r, c, w);
          String p = renderer.render(prompt, true);
          Map<String, Object> out = new LinkedHashMap<>();
          out.put("prompt", p);
          out.put("chosen", completion(r, renderer, prompt, p, r.messageField(c, "chosen", -1, "content"), "chosen"));
          out.put("rejected", completion(r, renderer, prompt, p, r.messageField(j, "rejected", -1, "content"), "rejected"));
          if (!c.subList(0, c.size() - 1).equals(j.subList(0, Math.max(0, j.size() - 1)))) {
            w.warn("chat_template.argilla (ORPO): rejected's history differs from chosen's; only chosen's is used "
                + "(as Axolotl does)", r.origin());
          }
          return out;
        });
  }

  /** system (if truthy), then user/assistant turns by position; `prompt` column overrides every user turn. */
  private static List<Map<String, Object>> promptMessages(Row r, List<?> c, DataWarnings w) {
    List<Map<String, Object>> msgs = new ArrayList<>();
    String system = r.optionalTruthy("system");
    if (system != null) {
      msgs.add(message("system", system, false));
    }
    String override = r.has("prompt") ? r.text("prompt") : null;
    int turns = c.size() / 2;
    for (int i = 0; i < turns; i++) {
      checkRole(r, c, 2 * i, "user", w);
      checkRole(r, c, 2 * i + 1, "assistant", w);
      msgs.add(message("user", override != null ? override : r.messageField(c, "chosen", 2 * i, "content"), false));
      if (i < turns - 1) {
        msgs.add(message("assistant", r.messageField(c, "chosen", 2 * i + 1, "content"), false));
      }
    }
    return msgs;
  }

  private static void checkRole(Row r, List<?> c, int i, String expected, DataWarnings w) {
    Object role = r.message(c.get(i), "chosen[" + i + "]").get("role");
    if (role != null && !expected.equals(role)) {
      w.warn("chat_template.argilla (ORPO): roles in the lists are ignored; positions decide (chosen[" + i
          + "] has role '" + role + "' but is used as " + expected + ")", r.origin());
    }
  }

  private static Map<String, Object> message(String role, String content, boolean label) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("role", role);
    m.put("content", content);
    m.put("label", label);
    return m;
  }

  /** render(prompt + response)[len(prompt):], a character slice; refused when the render does not extend the prompt. */
  private static String completion(Row r, ChatRenderer renderer, List<Map<String, Object>> prompt, String p,
      String response, String field) {
    List<Map<String, Object>> all = new ArrayList<>(prompt);
    all.add(message("assistant", response, true));
    String full = renderer.render(all, false);
    if (!full.startsWith(p)) {
      throw r.fail("the chat template renders the last assistant turn of '" + field + "' differently from its "
          + "generation prompt, so slicing at the prompt length would misalign the " + field + " text");
    }
    return full.substring(p.length());
  }

  static TypeStrategy bradleyTerry(ChatRenderer renderer) {
    return new TypeStrategy("bradley_terry.chat_template", "system (may be \"\"), input, chosen, rejected", (r, w) -> {
      if (!r.has("system") || r.get("system") == null) {
        throw r.fail(r.has("system") ? "field 'system' is null (it must be a text; \"\" for none)"
            : "lacks field 'system' (required as a key even when empty, as in Axolotl)");
      }
      String system = r.text("system");
      if (system.isEmpty()) {
        w.warn("bradley_terry.chat_template: system \"\" renders an empty system turn (as Axolotl does)", r.origin());
      }
      String input = r.text("input");
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("chosen", renderer.render(conversation(system, input, r.text("chosen")), false));
      out.put("rejected", renderer.render(conversation(system, input, r.text("rejected")), false));
      return out;
    }, List.of("__all__"));
  }

  private static List<Map<String, Object>> conversation(String system, String input, String response) {
    // the SFT chat-template path prepends {system, row.system} whenever the row has a system key
    return List.of(Map.of("role", "system", "content", system), Map.of("role", "user", "content", input),
        Map.of("role", "assistant", "content", response));
  }
}
