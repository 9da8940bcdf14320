package dev.lathe.engine.data;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Python's str()/repr() of JSON-shaped values, because Axolotl inserts row values with f-strings:
 * null becomes "None", true "True", 1.0 stays "1.0", a list prints as ['a', 'b'].
 */
public final class PyStr {
  private PyStr() {}

  public static String str(Object v) {
    if (v instanceof String s) {
      return s;
    }
    return repr(v);
  }

  public static String repr(Object v) {
    if (v == null) {
      return "None";
    }
    if (v instanceof Boolean b) {
      return b ? "True" : "False";
    }
    if (v instanceof String s) {
      return reprString(s);
    }
    if (v instanceof Double d) {
      return reprDouble(d);
    }
    if (v instanceof Float f) {
      return reprDouble(f.doubleValue());
    }
    if (v instanceof Number n) {
      return n.toString();
    }
    if (v instanceof List<?> l) {
      StringBuilder sb = new StringBuilder("[");
      for (int i = 0; i < l.size(); i++) {
        sb.append(i == 0 ? "" : ", ").append(repr(l.get(i)));
      }
      return sb.append(']').toString();
    }
    if (v instanceof Map<?, ?> m) {
      StringBuilder sb = new StringBuilder("{");
      Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<?, ?> e = it.next();
        sb.append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
        sb.append(it.hasNext() ? ", " : "");
      }
      return sb.append('}').toString();
    }
    return v.toString();
  }

  /** Python's repr(float): io/PyJson's formatter (one for the project), with Python's nan/inf spellings. */
  static String reprDouble(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    return dev.lathe.engine.io.PyJson.pyFloat(d);
  }

  static String reprString(String s) {
    char q = (s.indexOf('\'') >= 0 && s.indexOf('"') < 0) ? '"' : '\'';
    StringBuilder sb = new StringBuilder().append(q);
    s.codePoints().forEach(cp -> {
      switch (cp) {
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (cp == q) {
            sb.append('\\').append((char) cp);
          } else if (cp < 0x20 || cp == 0x7f) {
            sb.append(String.format("\\x%02x", cp));
          } else {
            sb.appendCodePoint(cp);
          }
        }
      }
    });
    return sb.append(q).toString();
  }

  /** Python truthiness of a JSON-shaped value. A whitespace-only string is truthy. */
  public static boolean truthy(Object v) {
    if (v == null) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof String s) {
      return !s.isEmpty();
    }
    if (v instanceof Number n) {
      return n.doubleValue() != 0.0;
    }
    if (v instanceof List<?> l) {
      return !l.isEmpty();
    }
    if (v instanceof Map<?, ?> m) {
      return !m.isEmpty();
    }
    return true;
  }
}
