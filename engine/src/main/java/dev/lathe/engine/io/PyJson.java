package dev.lathe.engine.io;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * JSON text exactly as Python's json.dumps writes it, so files Lathe writes (config.json,
 * index files, tokenizer_config.json) and the chat-template tojson filter look the way
 * transformers writes them: ", " / ": " separators (or indent), floats in repr form (1e-05,
 * 10000.0), optional sort_keys, optional ensure_ascii.
 */
public final class PyJson {
  private final int indent; // < 0: one line
  private final boolean sortKeys;
  private final boolean ensureAscii;

  public PyJson(int indent, boolean sortKeys, boolean ensureAscii) {
    this.indent = indent;
    this.sortKeys = sortKeys;
    this.ensureAscii = ensureAscii;
  }

  /** json.dumps(value, indent=2, sort_keys=True) + "\n": transformers' file style. */
  public static String file(Object value, boolean sortKeys) {
    return new PyJson(2, sortKeys, false).write(value) + "\n";
  }

  public String write(Object value) {
    StringBuilder sb = new StringBuilder();
    write(sb, value, 0);
    return sb.toString();
  }

  private void write(StringBuilder sb, Object v, int depth) {
    switch (v) {
      case null -> sb.append("null");
      case String s -> string(sb, s);
      case Boolean b -> sb.append(b ? "true" : "false");
      case Double d -> sb.append(pyFloat(d));
      case Float f -> sb.append(pyFloat(f.doubleValue()));
      case Number n -> sb.append(n.toString());
      case Map<?, ?> m -> map(sb, m, depth);
      case Collection<?> c -> list(sb, new ArrayList<>(c), depth);
      case Object[] a -> list(sb, List.of(a), depth);
      case int[] a -> list(sb, java.util.Arrays.stream(a).boxed().toList(), depth);
      case long[] a -> list(sb, java.util.Arrays.stream(a).boxed().toList(), depth);
      default -> string(sb, v.toString());
    }
  }

  private void map(StringBuilder sb, Map<?, ?> m, int depth) {
    if (m.isEmpty()) {
      sb.append("{}");
      return;
    }
    List<Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet());
    if (sortKeys) entries.sort((a, b) -> String.valueOf(a.getKey()).compareTo(String.valueOf(b.getKey())));
    sb.append('{');
    boolean first = true;
    for (Map.Entry<?, ?> e : entries) {
      separator(sb, first, depth + 1);
      first = false;
      string(sb, String.valueOf(e.getKey()));
      sb.append(": ");
      write(sb, e.getValue(), depth + 1);
    }
    close(sb, depth, '}');
  }

  private void list(StringBuilder sb, List<?> l, int depth) {
    if (l.isEmpty()) {
      sb.append("[]");
      return;
    }
    sb.append('[');
    boolean first = true;
    for (Object o : l) {
      separator(sb, first, depth + 1);
      first = false;
      write(sb, o, depth + 1);
    }
    close(sb, depth, ']');
  }

  private void separator(StringBuilder sb, boolean first, int depth) {
    if (!first) sb.append(indent < 0 ? ", " : ",");
    if (indent >= 0) sb.append('\n').append(" ".repeat(indent * depth));
  }

  private void close(StringBuilder sb, int depth, char c) {
    if (indent >= 0) sb.append('\n').append(" ".repeat(indent * depth));
    sb.append(c);
  }

  private void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20 || (ensureAscii && c > 0x7e)) sb.append(String.format("\\u%04x", (int) c));
          else sb.append(c);
        }
      }
    }
    sb.append('"');
  }

  /** Python's repr(float): shortest round-trip digits, scientific below 1e-4 and from 1e16. */
  public static String pyFloat(double d) {
    if (Double.isNaN(d)) return "NaN";
    if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
    if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
    BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
    String digits = bd.unscaledValue().abs().toString();
    int exp = digits.length() - bd.scale() - 1; // power of ten of the first digit
    String sign = d < 0 ? "-" : "";
    if (exp < -4 || exp >= 16) {
      String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
      return sign + mant + "e" + (exp < 0 ? "-" : "+") + String.format(java.util.Locale.ROOT, "%02d", Math.abs(exp));
    }
    String plain = bd.abs().toPlainString();
    return sign + (plain.contains(".") ? plain : plain + ".0");
  }
}
