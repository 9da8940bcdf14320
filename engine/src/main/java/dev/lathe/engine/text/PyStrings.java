package dev.lathe.engine.text;

import dev.lathe.engine.io.PyJson;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;

/**
 * Python's str() and repr() of template values, so {{ x }} prints what jinja2 prints: True/False,
 * 1.0, [1, None, 'a'], {'k': 'v'}. Jinjava would print true, [1, null, a].
 */
final class PyStrings {
  private PyStrings() {}

  /**
   * str(v): strings as they are, everything else as Python writes it. A null prints as jinja2's
   * Undefined does (""): Jinjava gives an undefined name and a None value the same null, and an
   * undefined name (a missing key, an unset bos_token) is by far the commoner in chat templates.
   */
  static String str(Object v) {
    if (v == null) return "";
    return v instanceof CharSequence s ? s.toString() : repr(v);
  }

  static String repr(Object v) {
    StringBuilder out = new StringBuilder();
    repr(v, out, 0);
    return out.toString();
  }

  private static void repr(Object v, StringBuilder out, int depth) {
    if (depth > 100) throw new IllegalArgumentException("value nested deeper than 100 levels");
    switch (v) {
      case null -> out.append("None");
      case Boolean b -> out.append(b ? "True" : "False");
      case Double d -> out.append(PyJson.pyFloat(d).replace("NaN", "nan").replace("Infinity", "inf"));
      case Float f -> out.append(PyJson.pyFloat(f).replace("NaN", "nan").replace("Infinity", "inf"));
      case Number n -> out.append(n);
      case CharSequence s -> quote(s.toString(), out);
      case Map<?, ?> m -> {
        out.append('{');
        Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
        while (it.hasNext()) {
          Map.Entry<?, ?> e = it.next();
          repr(e.getKey(), out, depth + 1);
          out.append(": ");
          repr(e.getValue(), out, depth + 1);
          if (it.hasNext()) out.append(", ");
        }
        out.append('}');
      }
      case Collection<?> c -> {
        out.append('[');
        Iterator<?> it = c.iterator();
        while (it.hasNext()) {
          repr(it.next(), out, depth + 1);
          if (it.hasNext()) out.append(", ");
        }
        out.append(']');
      }
      default -> out.append(v);
    }
  }

  /** Python's string repr: single quotes unless the text has ' and no ", escapes as Python does. */
  private static void quote(String s, StringBuilder out) {
    char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
    out.append(q);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c == q) out.append('\\').append(c);
          else if (c < 0x20 || c == 0x7f) out.append(String.format("\\x%02x", (int) c));
          else out.append(c);
        }
      }
    }
    out.append(q);
  }
}
