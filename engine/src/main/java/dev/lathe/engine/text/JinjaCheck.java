package dev.lathe.engine.text;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load-time checks jinja2 makes when it compiles a template and Jinjava does not: every filter
 * and test must exist (Jinjava renders an unknown filter as nothing), and a for tag needs its
 * iterable (Jinjava accepts {% for x in %}). Errors name the line of the template source.
 */
final class JinjaCheck {
  private JinjaCheck() {}

  /** jinja2 3.1's built-in filters that Jinjava also runs with the same meaning, plus tojson and items (ours). */
  static final Set<String> FILTERS = Set.of("abs", "attr", "batch", "capitalize", "center", "count", "d", "default",
      "dictsort", "e", "escape", "filesizeformat", "first", "float", "forceescape", "format", "groupby", "indent",
      "int", "items", "join", "last", "length", "list", "lower", "map", "pprint", "reject", "rejectattr",
      "replace", "reverse", "round", "safe", "select", "selectattr", "slice", "sort", "string", "striptags", "sum",
      "title", "tojson", "trim", "truncate", "unique", "upper", "urlencode", "urlize", "wordcount", "wordwrap",
      "xmlattr");
  /** jinja2 3.1 filters Jinjava lacks or runs differently. */
  static final Set<String> UNSUPPORTED_FILTERS = Set.of("max", "min", "random");
  static final Set<String> TESTS = Set.of("boolean", "defined", "divisibleby", "eq", "equalto", "even", "false",
      "float", "ge", "greaterthan", "gt", "in", "integer", "iterable", "le", "lessthan", "lower", "lt", "mapping",
      "ne", "none", "number", "odd", "sameas", "sequence", "string", "true", "undefined", "upper");
  static final Set<String> UNSUPPORTED_TESTS = Set.of("callable", "escaped", "filter", "test");

  private static final Pattern NAME = Pattern.compile("[A-Za-z_]\\w*");
  private static final Pattern FOR = Pattern.compile("\\s*for\\s+[\\w\\s,()]+?\\s+in\\s+\\S[\\s\\S]*");

  /** Throws ChatTemplateException naming the line of the first unknown filter/test or malformed for. */
  static void check(String name, String src) {
    int i = 0;
    while (i < src.length()) {
      if (src.startsWith("{#", i)) {
        i = skipTo(src, i + 2, "#}");
      } else if (src.startsWith("{{", i) || src.startsWith("{%", i)) {
        boolean stmt = src.charAt(i + 1) == '%';
        int end = JinjaRewrite.tagEnd(src, i + 2, stmt ? "%}" : "}}");
        if (end < i + 2) return; // unclosed: Jinjava's parser reports it with the line
        String raw = src.substring(i + 2, end);
        if (stmt && strip(raw).matches("raw\\b[\\s\\S]*")) {
          i = skipTo(src, end, "endraw");
          continue;
        }
        checkTag(name, src, i + 2, raw, stmt);
        i = end + 2;
      } else {
        i++;
      }
    }
  }

  private static void checkTag(String name, String src, int at, String raw, boolean stmt) {
    String body = strip(raw);
    if (stmt && body.startsWith("for") && (body.length() == 3 || !Character.isLetterOrDigit(body.charAt(3)))
        && !FOR.matcher(body).matches()) {
      throw error(name, src, at, "malformed for tag '{% " + body + " %}': expected 'for NAME in EXPRESSION'");
    }
    String code = blankStrings(raw);
    Matcher m = NAME.matcher(code);
    String prev = "";
    String prev2 = "";
    while (m.find()) {
      String word = m.group();
      boolean filter = code.substring(0, m.start()).stripTrailing().endsWith("|");
      boolean test = !word.equals("not") && (prev.equals("is") || (prev.equals("not") && prev2.equals("is")));
      if (filter && !FILTERS.contains(word)) {
        throw error(name, src, at + m.start(), UNSUPPORTED_FILTERS.contains(word)
            ? "filter '" + word + "' is not supported by Lathe's template engine" : "no filter named '" + word + "'");
      }
      if (test && !TESTS.contains(word)) {
        throw error(name, src, at + m.start(), UNSUPPORTED_TESTS.contains(word)
            ? "test '" + word + "' is not supported by Lathe's template engine" : "no test named '" + word + "'");
      }
      prev2 = prev;
      prev = word;
    }
  }

  /** Replaces string literal contents with spaces so names inside quotes are not checked. */
  private static String blankStrings(String s) {
    StringBuilder out = new StringBuilder(s);
    char quote = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote != 0) {
        if (c == '\\' && i + 1 < s.length()) {
          out.setCharAt(i, ' ');
          out.setCharAt(++i, ' ');
        } else if (c == quote) {
          quote = 0;
        } else {
          out.setCharAt(i, ' ');
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
      }
    }
    return out.toString();
  }

  private static String strip(String body) {
    String b = body;
    if (b.startsWith("-") || b.startsWith("+")) b = b.substring(1);
    if (b.endsWith("-") || b.endsWith("+")) b = b.substring(0, b.length() - 1);
    return b.strip();
  }

  private static int skipTo(String src, int from, String marker) {
    int j = src.indexOf(marker, from);
    return j < 0 ? src.length() : j + marker.length();
  }

  static int lineOf(String src, int pos) {
    int line = 1;
    for (int i = 0; i < pos && i < src.length(); i++) if (src.charAt(i) == '\n') line++;
    return line;
  }

  private static ChatTemplateException error(String name, String src, int pos, String what) {
    return new ChatTemplateException(name, "line " + lineOf(src, pos) + ": " + what);
  }
}
