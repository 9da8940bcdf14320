package dev.lathe.engine.data;

import java.util.Map;

/**
 * Python str.format with keyword arguments only, as Axolotl's user_defined types call it:
 * {name}, {name!r}/{name!s}, {name:spec} with fill/align/width/.precision for strings,
 * {{ and }} for literal braces. A name not given raises, as Python's KeyError does.
 */
public final class PyFormat {
  private PyFormat() {}

  /** Thrown for a placeholder whose name is not among the arguments (Python: KeyError). */
  public static final class MissingKey extends RuntimeException {
    public final String key;

    MissingKey(String key) {
      super("unknown placeholder {" + key + "}");
      this.key = key;
    }
  }

  public static String format(String fmt, Map<String, ?> args) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < fmt.length()) {
      char c = fmt.charAt(i);
      if (c == '{' && i + 1 < fmt.length() && fmt.charAt(i + 1) == '{') {
        out.append('{');
        i += 2;
      } else if (c == '}' && i + 1 < fmt.length() && fmt.charAt(i + 1) == '}') {
        out.append('}');
        i += 2;
      } else if (c == '{') {
        int close = fmt.indexOf('}', i);
        if (close < 0) {
          throw new IllegalArgumentException("Single '{' encountered in format string: " + fmt);
        }
        out.append(field(fmt.substring(i + 1, close), args));
        i = close + 1;
      } else if (c == '}') {
        throw new IllegalArgumentException("Single '}' encountered in format string: " + fmt);
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  private static String field(String body, Map<String, ?> args) {
    String spec = "";
    int colon = body.indexOf(':');
    if (colon >= 0) {
      spec = body.substring(colon + 1);
      body = body.substring(0, colon);
    }
    char conv = 0;
    int bang = body.indexOf('!');
    if (bang >= 0) {
      String cv = body.substring(bang + 1);
      if (!cv.equals("r") && !cv.equals("s") && !cv.equals("a")) {
        throw new IllegalArgumentException("Unknown conversion specifier " + cv);
      }
      conv = cv.charAt(0);
      body = body.substring(0, bang);
    }
    String name = body;
    Integer index = null;
    int br = body.indexOf('[');
    if (br >= 0 && body.endsWith("]")) {
      name = body.substring(0, br);
      index = Integer.parseInt(body.substring(br + 1, body.length() - 1));
    }
    if (name.isEmpty() || Character.isDigit(name.charAt(0))) {
      throw new IllegalArgumentException("positional placeholder {" + body + "} (only named fields are passed)");
    }
    if (!args.containsKey(name)) {
      throw new MissingKey(name);
    }
    Object v = args.get(name);
    if (index != null) {
      String s = PyStr.str(v);
      v = String.valueOf(s.charAt(index < 0 ? s.length() + index : index));
    }
    String s = conv == 'r' || conv == 'a' ? PyStr.repr(v) : PyStr.str(v);
    return applySpec(s, spec);
  }

  /** [[fill]align][width][.precision][s] for strings. */
  static String applySpec(String s, String spec) {
    if (spec.isEmpty()) {
      return s;
    }
    int i = 0;
    char fill = ' ';
    char align = '<';
    if (spec.length() >= 2 && "<>^=".indexOf(spec.charAt(1)) >= 0) {
      fill = spec.charAt(0);
      align = spec.charAt(1);
      i = 2;
    } else if ("<>^=".indexOf(spec.charAt(0)) >= 0) {
      align = spec.charAt(0);
      i = 1;
    }
    int j = i;
    while (j < spec.length() && Character.isDigit(spec.charAt(j))) {
      j++;
    }
    int width = j > i ? Integer.parseInt(spec.substring(i, j)) : 0;
    if (j < spec.length() && spec.charAt(j) == '.') {
      int k = j + 1;
      while (k < spec.length() && Character.isDigit(spec.charAt(k))) {
        k++;
      }
      int prec = Integer.parseInt(spec.substring(j + 1, k));
      if (prec < s.length()) {
        s = s.substring(0, prec);
      }
      j = k;
    }
    if (j < spec.length() && !(j == spec.length() - 1 && spec.charAt(j) == 's')) {
      throw new IllegalArgumentException("Unsupported format specifier '" + spec + "' for a string value");
    }
    int pad = width - s.codePointCount(0, s.length());
    if (pad <= 0) {
      return s;
    }
    String f = String.valueOf(fill);
    return switch (align) {
      case '>' -> f.repeat(pad) + s;
      case '^' -> f.repeat(pad / 2) + s + f.repeat(pad - pad / 2);
      case '=' -> throw new IllegalArgumentException("'=' alignment not allowed in string format specifier");
      default -> s + f.repeat(pad);
    };
  }
}
