package dev.lathe.engine.data;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** `type:` given as a mapping: user_defined.default for DPO (§4.12) and for KTO (§5.1). */
final class UserDefinedTypes {
  private UserDefinedTypes() {}

  static final Set<String> DPO_KEYS = Set.of("field_prompt", "field_system", "field_chosen", "field_rejected",
      "prompt_format", "chosen_format", "rejected_format");
  static final Set<String> KTO_KEYS = Set.of("field_prompt", "field_system", "field_completion", "field_label",
      "prompt_format", "completion_format");

  private static void checkKeys(Map<String, String> m, Set<String> valid, String label, String rl) {
    for (String k : m.keySet()) {
      if (!valid.contains(k)) {
        throw new DataException(label + ": unknown key '" + k + "' in the `type:` mapping (user_defined) for rl: "
            + rl + "; valid keys: " + new java.util.TreeSet<>(valid));
      }
    }
  }

  private static String get(Map<String, String> m, String key, String dflt) {
    String v = m.get(key);
    return v == null ? dflt : v;
  }

  static TypeStrategy dpo(Map<String, String> m, String label) {
    checkKeys(m, DPO_KEYS, label, "dpo");
    String fPrompt = get(m, "field_prompt", "prompt");
    String fSystem = get(m, "field_system", "system");
    String fChosen = get(m, "field_chosen", "chosen");
    String fRejected = get(m, "field_rejected", "rejected");
    String pf = m.get("prompt_format");
    String promptFmt = pf == null || pf.isEmpty() ? "{prompt}" : pf;
    String chosenFmt = get(m, "chosen_format", "{chosen}");
    String rejectedFmt = get(m, "rejected_format", "{rejected}");
    boolean usesSystem = promptFmt.contains("{system}");
    String name = "user_defined.default";
    String expected = (usesSystem ? fSystem + "?, " : "") + fPrompt + ", " + fChosen + ", " + fRejected;
    return new TypeStrategy(name, expected, (r, w) -> {
      Map<String, Object> args = new HashMap<>();
      args.put("prompt", r.text(fPrompt));
      if (usesSystem) {
        String s = r.optionalTruthy(fSystem);
        args.put("system", s == null ? "" : s);
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("prompt", format(r, "prompt_format", promptFmt, args));
      out.put("chosen", format(r, "chosen_format", chosenFmt, Map.of("chosen", r.text(fChosen))));
      out.put("rejected", format(r, "rejected_format", rejectedFmt, Map.of("rejected", r.text(fRejected))));
      return out;
    });
  }

  static TypeStrategy kto(Map<String, String> m, String label) {
    checkKeys(m, KTO_KEYS, label, "kto");
    String fPrompt = get(m, "field_prompt", "prompt");
    String fSystem = get(m, "field_system", "system");
    String fCompletion = get(m, "field_completion", "completion");
    String fLabel = get(m, "field_label", "label");
    String pf = m.get("prompt_format");
    String promptFmt = pf == null || pf.isEmpty() ? "{prompt}" : pf;
    String completionFmt = get(m, "completion_format", "{completion}");
    boolean usesSystem = promptFmt.contains("{system}");
    String expected = (usesSystem ? fSystem + " (non-empty), " : "") + fPrompt + ", " + fCompletion + ", " + fLabel;
    return new TypeStrategy("user_defined.default", expected, (r, w) -> {
      Map<String, Object> args = new HashMap<>();
      args.put("prompt", r.text(fPrompt));
      String s = r.optionalTruthy(fSystem);
      if (usesSystem && s == null) {
        throw r.fail("prompt_format uses {system} but field '" + fSystem + "' is missing, null or empty in this row "
            + "(Axolotl's KTO user_defined raises KeyError: 'system' here; give every row a system text or drop "
            + "{system} from prompt_format)");
      }
      if (usesSystem) {
        args.put("system", s);
      }
      if (!r.has(fLabel)) {
        throw r.missing(fLabel);
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("prompt", format(r, "prompt_format", promptFmt, args));
      out.put("completion", format(r, "completion_format", completionFmt, Map.of("completion", r.text(fCompletion))));
      out.put("label", r.get(fLabel));
      return out;
    });
  }

  private static String format(Row r, String key, String fmt, Map<String, Object> args) {
    try {
      return PyFormat.format(fmt, args);
    } catch (PyFormat.MissingKey e) {
      throw r.fail(key + " '" + fmt + "' uses placeholder {" + e.key + "}, but only " + List.copyOf(
          new java.util.TreeSet<>(args.keySet())) + " can be used there");
    } catch (IllegalArgumentException e) {
      throw r.fail(key + " '" + fmt + "': " + e.getMessage());
    }
  }
}
