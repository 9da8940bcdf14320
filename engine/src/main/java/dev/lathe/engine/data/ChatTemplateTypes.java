package dev.lathe.engine.data;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DPO's chat_template.default (§4.9) and chat_template.argilla_chat (§4.11): the prompt is the
 * rendered history with a generation prompt; each response is cut out of a render of
 * [dummy user turn, response] at the first occurrence of its content, then right-stripped.
 * Where Axolotl's search yields garbage (content empty, altered by the template, or found too
 * early), Lathe refuses the row.
 */
final class ChatTemplateTypes {
  static final String DUMMY = "[[dummy_message]]";

  private ChatTemplateTypes() {}

  /** role/content keys and the source->target role map of one dataset entry. */
  record Mapping(String roleKey, String contentKey, Map<String, String> roleMap) {
    static Mapping of(DatasetSpec spec, boolean humanGpt) {
      Map<String, String> props = spec.messagePropertyMappings == null ? Map.of() : spec.messagePropertyMappings;
      Map<String, String> roleMap = new HashMap<>();
      Map<String, List<String>> roles = spec.roles;
      if (roles == null) {
        roles = new LinkedHashMap<>();
        roles.put("user", humanGpt ? List.of("user", "human") : List.of("user"));
        roles.put("assistant", humanGpt ? List.of("assistant", "gpt") : List.of("assistant"));
        roles.put("system", List.of("system"));
        roles.put("tool", List.of("tool"));
      }
      roles.forEach((target, sources) -> sources.forEach(s -> roleMap.put(s, target)));
      return new Mapping(props.getOrDefault("role", "role"), props.getOrDefault("content", "content"), roleMap);
    }

    Map<String, Object> map(Row r, Object raw, String what) {
      Map<?, ?> m = r.message(raw, what);
      if (!m.containsKey(roleKey)) {
        throw r.fail(what + " lacks role key '" + roleKey + "'; found keys " + m.keySet());
      }
      Object role = m.get(roleKey);
      String target = roleMap.get(String.valueOf(role));
      if (target == null) {
        throw r.fail(what + " has role '" + role + "', which the roles mapping does not map; mapped source roles: "
            + new java.util.TreeSet<>(roleMap.keySet()) + " (set `roles:` on the dataset entry)");
      }
      if (!m.containsKey(contentKey)) {
        throw r.fail(what + " lacks content key '" + contentKey + "'; found keys " + m.keySet());
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("role", target);
      out.put("content", m.get(contentKey) instanceof String s ? s : r.textValue(m.get(contentKey), what + "." + contentKey));
      return out;
    }
  }

  static TypeStrategy dpoDefault(DatasetSpec spec, ChatRenderer renderer) {
    String fMessages = spec.fieldMessages == null ? "messages" : spec.fieldMessages;
    String fChosen = spec.fieldChosen == null ? "chosen" : spec.fieldChosen;
    String fRejected = spec.fieldRejected == null ? "rejected" : spec.fieldRejected;
    Mapping mp = Mapping.of(spec, false);
    String expected = fMessages + " (messages or text), " + fChosen + ", " + fRejected + " (text, message or list)";
    return new TypeStrategy("chat_template.default", expected, (r, w) -> {
      if (!r.has(fMessages)) {
        throw r.missing(fMessages);
      }
      Object raw = r.get(fMessages);
      List<Map<String, Object>> msgs = new ArrayList<>();
      if (raw instanceof String s) {
        msgs.add(Map.of("role", "user", "content", s));
      } else if (raw instanceof List<?> l) {
        for (int i = 0; i < l.size(); i++) {
          msgs.add(mp.map(r, l.get(i), fMessages + "[" + i + "]"));
        }
      } else {
        throw r.fail("field '" + fMessages + "' must be a list of messages or a text, found " + JsonRows.kind(raw));
      }
      Turns.history(r, w, "chat_template.default", msgs, fMessages);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("prompt", renderer.render(msgs, true));
      out.put("chosen", response(r, renderer, mp, fChosen));
      out.put("rejected", response(r, renderer, mp, fRejected));
      return out;
    }, List.of(fMessages));
  }

  static TypeStrategy dpoArgillaChat(DatasetSpec spec, ChatRenderer renderer) {
    String fChosen = spec.fieldChosen == null ? "chosen" : spec.fieldChosen;
    String fRejected = spec.fieldRejected == null ? "rejected" : spec.fieldRejected;
    Mapping mp = Mapping.of(spec, false);
    return new TypeStrategy("chat_template.argilla_chat", fChosen + ", " + fRejected + " (full conversations ending in the response)",
        (r, w) -> {
          List<?> c = r.list(fChosen);
          List<?> j = r.list(fRejected);
          if (c.isEmpty() || j.isEmpty()) {
            throw r.fail("fields '" + fChosen + "' and '" + fRejected + "' must each hold at least the response message");
          }
          List<Map<String, Object>> history = new ArrayList<>();
          for (int i = 0; i < c.size() - 1; i++) {
            history.add(mp.map(r, c.get(i), fChosen + "[" + i + "]"));
          }
          if (!c.subList(0, c.size() - 1).equals(j.subList(0, j.size() - 1))) {
            w.warn("chat_template.argilla_chat: the history before the last message differs between chosen and "
                + "rejected; the prompt is built from chosen's history only (as Axolotl does)", r.origin());
          }
          Turns.history(r, w, "chat_template.argilla_chat", history, fChosen + "[:-1]");
          Map<String, Object> chosen = mp.map(r, c.get(c.size() - 1), fChosen + "[-1]");
          Map<String, Object> rejected = mp.map(r, j.get(j.size() - 1), fRejected + "[-1]");
          Turns.response(r, chosen, fChosen + "[-1]");
          Turns.response(r, rejected, fRejected + "[-1]");
          Map<String, Object> out = new LinkedHashMap<>();
          out.put("prompt", renderer.render(history, true));
          out.put("chosen", extract(r, renderer, chosen, fChosen));
          out.put("rejected", extract(r, renderer, rejected, fRejected));
          return out;
        }, List.of(fChosen, fRejected));
  }

  /** A response field: text (-> assistant message), a message, or a list whose last element is used. */
  private static String response(Row r, ChatRenderer renderer, Mapping mp, String field) {
    if (!r.has(field)) {
      throw r.missing(field);
    }
    Object v = r.get(field);
    Map<String, Object> msg;
    if (v instanceof String s) {
      msg = Map.of("role", "assistant", "content", s);
    } else if (v instanceof List<?> l && !l.isEmpty()) {
      msg = mp.map(r, l.get(l.size() - 1), field + "[-1]");
    } else if (v instanceof Map<?, ?>) {
      msg = mp.map(r, v, field);
    } else {
      throw r.fail("field '" + field + "' must be a text, a message or a non-empty list of messages, found " + JsonRows.kind(v));
    }
    Turns.response(r, msg, field);
    return extract(r, renderer, msg, field);
  }

  /** Axolotl's search: full[find(content):].rstrip(), refused where the find lands in the wrong place. */
  static String extract(Row r, ChatRenderer renderer, Map<String, Object> msg, String field) {
    String content = (String) msg.get("content");
    if (content.isEmpty()) {
      throw r.fail("field '" + field + "' has empty content (Axolotl would keep the whole dummy render as the response)");
    }
    Map<String, Object> dummy = Map.of("role", "user", "content", DUMMY);
    String full = renderer.render(List.of(dummy, msg), false);
    int k = full.indexOf(content);
    if (k < 0) {
      throw r.fail("the chat template changed the content of '" + field + "' (e.g. trimmed it), so it cannot be "
          + "found in the render (Axolotl would keep only the last character: '"
          + (full.isEmpty() ? "" : full.substring(full.length() - 1)) + "')");
    }
    String head = renderer.render(List.of(dummy), true);
    int expectedAt = full.startsWith(head) ? head.length() : full.indexOf(DUMMY) + DUMMY.length();
    // k > expectedAt is fine: the template put text (e.g. empty think tags) between header and content
    if (k < expectedAt) {
      throw r.fail("the content of '" + field + "' also occurs in the template text before the response "
          + "(at offset " + k + ", expected " + expectedAt + "); Axolotl would return '"
          + JsonRows.abbreviate(rstrip(full.substring(k))) + "'");
    }
    return rstrip(full.substring(k));
  }

  /** Python str.rstrip(): Unicode whitespace as Python's str.isspace defines it. */
  static String rstrip(String s) {
    int end = s.length();
    while (end > 0 && isSpace(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(0, end);
  }

  static boolean isSpace(char c) {
    return Character.isWhitespace(c) || c == '\u00A0' || c == '\u2007' || c == '\u202F' || c == '\u0085';
  }
}
