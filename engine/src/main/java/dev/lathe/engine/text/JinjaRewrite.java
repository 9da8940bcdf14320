package dev.lathe.engine.text;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Source-level fixes for two Jinja2 constructs Jinjava parses differently, applied inside
 * {{ }} and {% %} tags only:
 * <ul>
 *   <li>keyword-argument values are parenthesised: Jinjava binds f(x=a|length - 1) as
 *       f((x=a|length) - 1), Jinja2 as f(x=(a|length - 1)) (Qwen3's namespace(...) call);</li>
 *   <li>x[::-1] becomes (x|reverse|list): Jinjava has no slice step;</li>
 *   <li>not x is defined becomes x is not defined: Jinjava reads (not x) is defined, Jinja2
 *       not (x is defined) (common in HF templates: not add_generation_prompt is defined).</li>
 * </ul>
 */
final class JinjaRewrite {
  private JinjaRewrite() {}

  private static final Pattern REVERSED = Pattern.compile("([A-Za-z_][\\w.]*(?:\\[[^\\[\\]]*\\])*)\\[::-1\\]");
  private static final Pattern NOT_IS = Pattern.compile(
      "\\bnot\\s+([A-Za-z_][\\w.]*(?:\\[[^\\[\\]]*\\])*)\\s+is\\s+(not\\s+)?([A-Za-z_]\\w*)\\b");
  /** `in REF` outside for tags, REF a plain name path: checked by JinjaFunctions.container. */
  private static final Pattern IN_REF = Pattern.compile(
      "(?<![\\w.])in\\s+([A-Za-z_]\\w*(?:\\.\\w+|\\[[^\\[\\]]*\\])*)(?![\\w.(\\[])");
  static final String CONTAINER = "__lathe_container";
  /** The literals none / None (not the test name after `is` / `is not`), outside quotes: PyNone.NONE. */
  private static final Pattern NONE_LITERAL = Pattern.compile("(?<![\\w.])(?:none|None)(?!\\w|\\s*\\(|\\s*=(?!=))");
  private static final Pattern IS_BEFORE = Pattern.compile("\\bis\\s+(?:not\\s+)?$");
  static final String NONE = "__lathe_none()";
  private static final Pattern KWARG = Pattern.compile("\\s*[A-Za-z_]\\w*\\s*=(?!=)");

  static String rewrite(String src) {
    StringBuilder out = new StringBuilder(src.length() + 16);
    int i = 0;
    while (i < src.length()) {
      boolean expr = src.startsWith("{{", i);
      boolean stmt = src.startsWith("{%", i);
      if (!expr && !stmt) {
        out.append(src.charAt(i++));
        continue;
      }
      String close = expr ? "}}" : "%}";
      int end = tagEnd(src, i + 2, close);
      String tag = rewriteTag(src.substring(i + 2, end));
      if (expr || !tag.strip().replaceFirst("^[-+]", "").strip().startsWith("for ")) tag = checkedIn(tag);
      out.append(src, i, i + 2).append(tag).append(close);
      i = end + 2;
    }
    return out.toString();
  }

  /** Index of the closing delimiter, skipping quoted strings; the end of text if unclosed. */
  static int tagEnd(String s, int from, String close) {
    char quote = 0;
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote != 0) {
        if (c == '\\') i++;
        else if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (s.startsWith(close, i)) {
        return i;
      }
    }
    return s.length() - Math.min(close.length(), s.length()); // leave unclosed tags for Jinjava to report
  }

  /** x in a.b[0] -> x in __lathe_container(a.b[0]); literals and calls on the right are left alone. */
  static String checkedIn(String body) {
    Matcher m = IN_REF.matcher(body);
    StringBuilder out = new StringBuilder();
    int last = 0;
    while (m.find()) {
      if (inQuotes(body, m.start()) || m.group(1).equals("not")) continue;
      out.append(body, last, m.start(1)).append(CONTAINER).append('(').append(m.group(1)).append(')');
      last = m.end();
    }
    return out.append(body, last, body.length()).toString();
  }

  static String noneLiterals(String body) {
    Matcher m = NONE_LITERAL.matcher(body);
    StringBuilder out = new StringBuilder();
    int last = 0;
    while (m.find()) {
      if (inQuotes(body, m.start()) || IS_BEFORE.matcher(body.substring(0, m.start())).find()) continue;
      out.append(body, last, m.start()).append(NONE);
      last = m.end();
    }
    return out.append(body, last, body.length()).toString();
  }

  private static boolean inQuotes(String s, int pos) {
    char quote = 0;
    for (int i = 0; i < pos; i++) {
      char c = s.charAt(i);
      if (quote != 0) {
        if (c == '\\') i++;
        else if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      }
    }
    return quote != 0;
  }

  static String rewriteTag(String body) {
    StringBuilder out = new StringBuilder(body.length() + 8);
    Deque<Boolean> wrapped = new ArrayDeque<>(); // per open bracket: is the current kwarg value wrapped
    Deque<Character> open = new ArrayDeque<>();
    char quote = 0;
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (quote != 0) {
        out.append(c);
        if (c == '\\' && i + 1 < body.length()) out.append(body.charAt(++i));
        else if (c == quote) quote = 0;
        continue;
      }
      if (c == '\'' || c == '"') quote = c;
      if ((c == ',' || c == ')') && !open.isEmpty() && open.peek() == '(' && wrapped.peek()) {
        out.append(')');
        wrapped.pop();
        wrapped.push(false);
      }
      if (c == ')' || c == ']' || c == '}') {
        if (!open.isEmpty()) {
          open.pop();
          wrapped.pop();
        }
      }
      out.append(c);
      if (c == '(' || c == '[' || c == '{') {
        open.push(c);
        wrapped.push(false);
      }
      if ((c == '(' || c == ',') && !open.isEmpty() && open.peek() == '(') {
        Matcher m = KWARG.matcher(body).region(i + 1, body.length());
        if (m.lookingAt()) {
          out.append(m.group()).append('(');
          i = m.end() - 1;
          wrapped.pop();
          wrapped.push(true);
        }
      }
    }
    String r0 = noneLiterals(out.toString());
    String r = REVERSED.matcher(r0).replaceAll(mr -> Matcher.quoteReplacement("(" + mr.group(1) + "|reverse|list)"));
    return NOT_IS.matcher(r).replaceAll(mr -> Matcher.quoteReplacement(
        mr.group(1) + " is " + (mr.group(2) == null ? "not " : "") + mr.group(3)));
  }
}
