package dev.lathe.engine.data;

import java.util.List;
import java.util.Map;

/**
 * Role order of the conversation types that end in a response (chat_template.default, argilla_chat): the
 * history must lead up to the model's turn and the responses must be the model's. Orders no template can
 * mean are refused; orders that are unusual but renderable (two user turns in a row, a late system turn)
 * are counted warnings, because Axolotl accepts them and some templates render them faithfully.
 */
final class Turns {
  private Turns() {}

  /** The messages before the responses (already role-mapped). */
  static void history(Row r, DataWarnings w, String type, List<Map<String, Object>> msgs, String field) {
    if (msgs.isEmpty()) {
      throw r.fail("field '" + field + "' holds no messages; the responses need at least a user turn before them");
    }
    for (int i = 1; i < msgs.size(); i++) {
      String prev = role(msgs.get(i - 1));
      String cur = role(msgs.get(i));
      if ("system".equals(cur)) {
        w.warn(type + ": a system message after the first turn (templates differ on where they put it)", r.origin());
      } else if (cur.equals(prev) && !"tool".equals(cur)) {
        w.warn(type + ": roles do not alternate (two '" + cur + "' turns in a row; the template renders both)", r.origin());
      }
    }
    String last = role(msgs.get(msgs.size() - 1));
    if (!"user".equals(last) && !"tool".equals(last)) {
      throw r.fail("field '" + field + "' ends with a '" + last + "' turn at [" + (msgs.size() - 1) + "]; the history before "
          + "the responses must end with a user (or tool) turn, otherwise chosen and rejected would answer "
          + ("assistant".equals(last) ? "the model itself" : "nothing"));
    }
  }

  /** A response message: it is the model's turn, so its role must map to assistant. */
  static void response(Row r, Map<String, Object> msg, String field) {
    String role = role(msg);
    if (!"assistant".equals(role)) {
      throw r.fail("the response in '" + field + "' has role '" + role + "'; a response must be an assistant turn "
          + "(map its role with `roles:` on the dataset entry if it is named differently)");
    }
  }

  private static String role(Map<String, Object> m) {
    return String.valueOf(m.get("role"));
  }
}
