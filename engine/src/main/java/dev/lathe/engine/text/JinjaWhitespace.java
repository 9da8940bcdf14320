package dev.lathe.engine.text;

import java.util.ArrayList;
import java.util.List;

/**
 * jinja2's whitespace rules applied to the source before Jinjava sees it: trim_blocks (the first
 * newline after a block or comment tag goes), lstrip_blocks (spaces and tabs before a block or
 * comment tag at the start of a line go) and the "-" / "+" markers. Jinjava can do these itself,
 * but then it miscounts lines: whitespace it strips is not counted, so an error on line 23 of a
 * template was reported on line 8. Here no whitespace is deleted: what jinja2 would strip moves
 * inside the next tag (before its content, where whitespace means nothing), so every tag still
 * ends on its own line, the line Jinjava reports.
 */
final class JinjaWhitespace {
  private JinjaWhitespace() {}

  /** One piece of source: text, or a tag with its delimiters and markers split off. */
  private static final class Piece {
    final boolean tag;
    final char kind; // '{' expression, '%' block, '#' comment; 0 for text
    char openMark; // '-', '+' or 0
    char closeMark;
    String before = ""; // whitespace moved in after the opening delimiter
    String body;
    String after = ""; // whitespace moved in before the closing delimiter

    Piece(String text) {
      this.tag = false;
      this.kind = 0;
      this.body = text;
    }

    Piece(char kind, String inner) {
      this.tag = true;
      this.kind = kind;
      String b = inner;
      if (!b.isEmpty() && (b.charAt(0) == '-' || b.charAt(0) == '+')) {
        openMark = b.charAt(0);
        b = b.substring(1);
      }
      if (!b.isEmpty() && (b.charAt(b.length() - 1) == '-' || b.charAt(b.length() - 1) == '+')) {
        closeMark = b.charAt(b.length() - 1);
        b = b.substring(0, b.length() - 1);
      }
      this.body = b;
    }

    boolean block() {
      return kind == '%' || kind == '#';
    }

    void write(StringBuilder out) {
      if (!tag) {
        out.append(body);
        return;
      }
      char close = kind == '{' ? '}' : kind;
      String b = kind == '#' ? body : escapeNewlinesInStrings(body);
      out.append('{').append(kind).append(before).append(b).append(after).append(close).append('}');
    }
  }

  /**
   * A newline inside a string literal becomes the escape \n, and the newline itself follows the
   * literal as whitespace: Jinjava does not count newlines inside quotes, which put every later
   * error of Gemma 3's template (two-line '\n\n' literals) four lines early.
   */
  static String escapeNewlinesInStrings(String body) {
    if (body.indexOf('\n') < 0) return body;
    StringBuilder out = new StringBuilder(body.length() + 8);
    char quote = 0;
    int pending = 0;
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (quote == 0) {
        if (c == '\'' || c == '"') quote = c;
        out.append(c);
      } else if (c == '\\' && i + 1 < body.length()) {
        out.append(c).append(body.charAt(++i));
      } else if (c == '\n') {
        out.append("\\n");
        pending++;
      } else {
        out.append(c);
        if (c == quote) {
          quote = 0;
          out.append("\n".repeat(pending));
          pending = 0;
        }
      }
    }
    return out.toString();
  }

  static String apply(String src) {
    List<Piece> pieces = split(src);
    for (int i = 0; i < pieces.size(); i++) {
      Piece p = pieces.get(i);
      if (p.tag) continue;
      Piece prev = i > 0 ? pieces.get(i - 1) : null;
      Piece next = i + 1 < pieces.size() ? pieces.get(i + 1) : null;
      boolean lineStart = lineStartBeforeIndent(p.body, prev == null); // judged on the source, before trimming
      String moved = trimStart(p, prev) + trimEnd(p, next, lineStart);
      // Jinjava numbers a tag by the line it ends on, so stripped whitespace goes to the start of the
      // next tag (which then still ends on its own line); after the last tag, to its end
      if (next != null) next.before = moved + next.before;
      else if (prev != null) prev.after += moved;
    }
    StringBuilder out = new StringBuilder(src.length() + 16);
    for (Piece p : pieces) p.write(out);
    return out.toString();
  }

  /** After "-%}" all leading whitespace goes, after a block tag (trim_blocks) one newline; returns what went. */
  private static String trimStart(Piece text, Piece prev) {
    if (prev == null) return "";
    String t = text.body;
    int cut = 0;
    if (prev.closeMark == '-') {
      while (cut < t.length() && Character.isWhitespace(t.charAt(cut))) cut++;
    } else if (prev.block() && prev.closeMark != '+') {
      if (t.startsWith("\n")) cut = 1;
      else if (t.startsWith("\r\n")) cut = 2;
    }
    text.body = t.substring(cut);
    return t.substring(0, cut);
  }

  /** Before "{%-" all trailing whitespace goes, before a block tag alone on its line (lstrip_blocks) its indent. */
  private static String trimEnd(Piece text, Piece next, boolean lineStart) {
    if (next == null) return "";
    String t = text.body;
    int keep = t.length();
    if (next.openMark == '-') {
      while (keep > 0 && Character.isWhitespace(t.charAt(keep - 1))) keep--;
    } else if (next.block() && next.openMark != '+') {
      int k = keep;
      while (k > 0 && (t.charAt(k - 1) == ' ' || t.charAt(k - 1) == '\t')) k--;
      if (lineStart) keep = k;
    }
    text.body = t.substring(0, keep);
    return t.substring(keep);
  }

  /** Whether the spaces/tabs ending this text start a line: a newline before them, or the template's start. */
  private static boolean lineStartBeforeIndent(String t, boolean first) {
    int k = t.length();
    while (k > 0 && (t.charAt(k - 1) == ' ' || t.charAt(k - 1) == '\t')) k--;
    return k > 0 ? t.charAt(k - 1) == '\n' : first;
  }

  /**
   * The source line of a tag's content. Jinjava numbers a token by the line it ends on; the
   * newlines moved in front of the content (after real text) count towards the content's line.
   */
  static int line(int tokenLine, String image) {
    int inside = 0;
    for (int i = 0; i < image.length(); i++) if (image.charAt(i) == '\n') inside++;
    int leading = 0;
    for (int i = 2; i < image.length() && Character.isWhitespace(image.charAt(i)); i++) if (image.charAt(i) == '\n') leading++;
    return tokenLine - inside + leading;
  }

  private static List<Piece> split(String src) {
    List<Piece> out = new ArrayList<>();
    int i = 0;
    int textStart = 0;
    while (i < src.length() - 1) {
      char c = src.charAt(i);
      char k = src.charAt(i + 1);
      if (c != '{' || (k != '{' && k != '%' && k != '#')) {
        i++;
        continue;
      }
      String close = k == '{' ? "}}" : k + "}";
      int end = k == '#' ? src.indexOf("#}", i + 2) : JinjaRewrite.tagEnd(src, i + 2, close);
      if (end < 0 || end < i + 2 || !src.startsWith(close, end)) break; // unclosed: left for Jinjava to report
      if (i > textStart) out.add(new Piece(src.substring(textStart, i)));
      Piece tag = new Piece(k, src.substring(i + 2, end));
      out.add(tag);
      i = end + 2;
      textStart = i;
      if (k == '%' && tag.body.strip().equals("raw")) {
        int endRaw = rawEnd(src, i);
        if (endRaw < 0) break;
        out.add(new Piece(src.substring(i, endRaw))); // verbatim; whitespace rules still apply at its edges
        i = endRaw;
        textStart = i;
      }
    }
    if (textStart < src.length()) out.add(new Piece(src.substring(textStart)));
    return out;
  }

  /** Start of the {% endraw %} tag closing a raw block opened before `from`, or -1. */
  private static int rawEnd(String src, int from) {
    int j = from;
    while ((j = src.indexOf("{%", j)) >= 0) {
      int e = src.indexOf("%}", j);
      if (e < 0) return -1;
      String b = src.substring(j + 2, e).replace("-", "").replace("+", "").strip();
      if (b.equals("endraw")) return j;
      j += 2;
    }
    return -1;
  }
}
