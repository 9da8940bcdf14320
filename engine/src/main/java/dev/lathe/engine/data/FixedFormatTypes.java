package dev.lathe.engine.data;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The string-concatenation types chatml.* and llama3.* for DPO (§4.1-4.7) and KTO (§5), and
 * zephyr.nectar (§4.8). They overwrite prompt/chosen/rejected (or prompt/completion) and keep all
 * other columns.
 */
final class FixedFormatTypes {
  private FixedFormatTypes() {}

  static final List<String> DPO_FUNCTIONS = List.of("default", "argilla_chat", "icr", "intel", "prompt_pairs", "ultra");
  static final List<String> KTO_FUNCTIONS = List.of("argilla", "argilla_chat", "intel", "prompt_pairs", "ultra");

  static TypeStrategy dpo(Fragments f, String fn) {
    String name = f.key() + "." + fn;
    return switch (fn) {
      case "default" -> new TypeStrategy(name,
          "system?, prompt|input|question|instruction, chosen|chosen_response, rejected|rejected_response",
          (r, w) -> pair(r, f, r.optionalTruthy("system"), r.text(r.firstPresent("prompt", "input", "question", "instruction")),
              r.text(r.firstPresent("chosen", "chosen_response")), r.text(r.firstPresent("rejected", "rejected_response"))));
      case "argilla_chat" -> new TypeStrategy(name, "chosen [user msg, assistant msg], rejected [user msg, assistant msg]",
          (r, w) -> argillaChat(f, name, r, w));
      case "icr" -> stringTriple(f, name, "input");
      case "intel" -> stringTriple(f, name, "question");
      case "prompt_pairs" -> stringTriple(f, name, "prompt");
      case "ultra" -> new TypeStrategy(name, "system?, prompt (string), chosen [messages], rejected [messages]",
          (r, w) -> {
            List<?> c = r.list("chosen");
            List<?> j = r.list("rejected");
            return pair(r, f, r.optionalTruthy("system"), r.text("prompt"),
                r.messageField(c, "chosen", 1, "content"), r.messageField(j, "rejected", 1, "content"));
          });
      default -> throw new IllegalArgumentException(fn);
    };
  }

  private static TypeStrategy stringTriple(Fragments f, String name, String promptCol) {
    return new TypeStrategy(name, "system?, " + promptCol + ", chosen, rejected",
        (r, w) -> pair(r, f, r.optionalTruthy("system"), r.text(promptCol), r.text("chosen"), r.text("rejected")));
  }

  private static Map<String, Object> pair(Row r, Fragments f, String system, String user, String chosen, String rejected) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("prompt", f.prompt(system, user));
    out.put("chosen", f.response(nonBlank(r, chosen, "chosen")));
    out.put("rejected", f.response(nonBlank(r, rejected, "rejected")));
    return out;
  }

  /**
   * A response that is empty or only whitespace: the end-of-turn marker would be the whole completion, so
   * the pair would compare two markers (or a marker with an answer). Refused, as TRL refuses empty fields.
   */
  private static String nonBlank(Row r, String text, String what) {
    if (text.isBlank()) {
      throw r.fail("the " + what + " response is " + (text.isEmpty() ? "empty" : "only whitespace")
          + "; a preference pair needs text in both responses (fix or remove the row)");
    }
    return text;
  }

  /** Only the first exchange is used; longer conversations and a non-user first turn are warned about. */
  private static Map<String, Object> argillaChat(Fragments f, String name, Row r, DataWarnings w) {
    List<?> c = r.list("chosen");
    List<?> j = r.list("rejected");
    String user = r.messageField(c, "chosen", 0, "content");
    Map<String, Object> out = pair(r, f, null, user, r.messageField(c, "chosen", 1, "content"),
        r.messageField(j, "rejected", 1, "content"));
    if (c.size() > 2 || j.size() > 2) {
      w.warn(name + ": conversations longer than one exchange are cut to the first user/assistant turn "
          + "(as Axolotl does; chat_template.argilla_chat keeps the history)", r.origin());
    }
    Object role = r.message(c.get(0), "chosen[0]").get("role");
    if (role != null && !"user".equals(role)) {
      w.warn(name + ": chosen[0] has role '" + role + "' but is used as the user turn (roles are not checked)", r.origin());
    }
    return out;
  }

  static TypeStrategy kto(Fragments f, String fn) {
    String name = f.key() + "." + fn;
    return switch (fn) {
      case "argilla" -> ktoTriple(f, name, "instruction");
      case "intel" -> ktoTriple(f, name, "question");
      case "prompt_pairs", "ultra" -> ktoTriple(f, name, "prompt");
      case "argilla_chat" -> new TypeStrategy(name, "completion [user msg, assistant msg], label",
          (r, w) -> {
            List<?> c = r.list("completion");
            if (c.size() > 2) {
              w.warn(name + ": completion conversations longer than one exchange are cut to the first turn", r.origin());
            }
            return kto(r, f, null, r.messageField(c, "completion", 0, "content"), r.messageField(c, "completion", 1, "content"));
          });
      default -> throw new IllegalArgumentException(fn);
    };
  }

  private static TypeStrategy ktoTriple(Fragments f, String name, String promptCol) {
    return new TypeStrategy(name, "system?, " + promptCol + ", completion, label",
        (r, w) -> kto(r, f, r.optionalTruthy("system"), r.text(promptCol), r.text("completion")));
  }

  private static Map<String, Object> kto(Row r, Fragments f, String system, String user, String completion) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("prompt", f.prompt(system, user));
    out.put("completion", f.response(nonBlank(r, completion, "completion")));
    return out;
  }

  /** zephyr.nectar: answers sorted by rank ascending (stable); the largest rank is chosen. */
  static TypeStrategy zephyrNectar() {
    return new TypeStrategy("zephyr.nectar", "prompt, answers [{answer, rank}, ...] (at least 2)", (r, w) -> {
      String prompt = r.text("prompt");
      List<?> answers = r.list("answers");
      if (answers.size() < 2) {
        throw r.fail("field 'answers' has " + answers.size() + " answer(s); at least 2 are needed (Axolotl: IndexError)");
      }
      Integer[] order = new Integer[answers.size()];
      double[] rank = new double[answers.size()];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
        Object v = r.message(answers.get(i), "answers[" + i + "]").get("rank");
        if (!(v instanceof Number n)) {
          throw r.fail("answers[" + i + "].rank must be a number, found " + JsonRows.kind(v));
        }
        rank[i] = n.doubleValue();
      }
      java.util.Arrays.sort(order, (a, b) -> Double.compare(rank[a], rank[b]));
      w.warn("zephyr.nectar: the answer with the LARGEST rank value is taken as chosen and the second largest as "
          + "rejected (as Axolotl does); if rank 1 is your best answer this inverts the preference", null);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("prompt", Fragments.zephyrPrompt(prompt));
      out.put("chosen", r.messageField(answers, "answers", order[order.length - 1], "answer"));
      out.put("rejected", r.messageField(answers, "answers", order[order.length - 2], "answer"));
      return out;
    });
  }
}
