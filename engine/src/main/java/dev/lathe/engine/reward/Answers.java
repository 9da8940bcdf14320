package dev.lathe.engine.reward;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Answer extraction and comparison for {@link Builtins#answerMatch}. The rules (docs/rewards.md):
 * <ol>
 *   <li>the candidate is the content of the last {@code \boxed{...}} (braces balanced); else the rest of
 *       the line after the last marker ({@code ####}, {@code answer:}, {@code the answer is}, any case);
 *       else the whole completion;</li>
 *   <li>the gold value of the column gets the same treatment (GSM8K keeps "reasoning #### 72" in
 *       {@code answer}, MATH keeps a boxed solution); a number stays a number;</li>
 *   <li>if the gold answer is a number, the candidate's number is compared numerically (1,000 = 1000,
 *       3.0 = 3): the first number of a boxed/marked answer, the last number of a bare completion;</li>
 *   <li>otherwise both are compared as text: trimmed, surrounding {@code $} and a final period
 *       removed, runs of whitespace collapsed, case ignored.</li>
 * </ol>
 */
public final class Answers {
  private Answers() {}

  static final List<String> MARKERS = List.of("####", "answer:", "the answer is");
  private static final Pattern NUMBER = Pattern.compile("-?(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?|-?\\.\\d+");

  /** The part of a text that holds its answer, and whether it was marked (boxed or after a marker). */
  record Candidate(String text, boolean marked) {}

  static Candidate candidate(String text) {
    String boxed = lastBoxed(text);
    if (boxed != null) return new Candidate(boxed, true);
    String marked = afterLastMarker(text);
    if (marked != null) return new Candidate(marked, true);
    return new Candidate(text, false);
  }

  /** True when the completion's answer equals the gold value under the rules above. */
  public static boolean matches(String completion, Object gold) {
    String goldText = gold instanceof Number n ? plain(n) : candidate(String.valueOf(gold)).text();
    BigDecimal goldNumber = number(normalise(goldText));
    Candidate c = candidate(completion);
    if (goldNumber != null) {
      BigDecimal got = c.marked() ? firstNumber(c.text()) : lastNumber(c.text());
      return got != null && got.compareTo(goldNumber) == 0;
    }
    return normalise(c.text()).equals(normalise(goldText));
  }

  /** Content of the last \boxed{...} (or \fbox{...}) with balanced braces; null when there is none. */
  public static String lastBoxed(String text) {
    int at = Math.max(text.lastIndexOf("\\boxed{"), text.lastIndexOf("\\fbox{"));
    if (at < 0) return null;
    int open = text.indexOf('{', at);
    int depth = 0;
    for (int i = open; i < text.length(); i++) {
      char ch = text.charAt(i);
      if (ch == '{') depth++;
      else if (ch == '}' && --depth == 0) return text.substring(open + 1, i).trim();
    }
    return null; // unbalanced: the model stopped inside the box
  }

  /** The rest of the line after the last marker (case-insensitive), trimmed; null when no marker occurs. */
  static String afterLastMarker(String text) {
    String lower = text.toLowerCase(Locale.ROOT);
    int best = -1, len = 0;
    for (String m : MARKERS) {
      int i = lower.lastIndexOf(m);
      if (i > best) { best = i; len = m.length(); }
    }
    if (best < 0) return null;
    String rest = text.substring(best + len).replaceFirst("^[\\s:]+", ""); // "The answer is: 5"
    int nl = rest.indexOf('\n');
    return (nl < 0 ? rest : rest.substring(0, nl)).trim();
  }

  static BigDecimal firstNumber(String text) {
    Matcher m = NUMBER.matcher(text);
    return m.find() ? decimal(m.group()) : null;
  }

  static BigDecimal lastNumber(String text) {
    Matcher m = NUMBER.matcher(text);
    String last = null;
    while (m.find()) last = m.group();
    return last == null ? null : decimal(last);
  }

  /** The text as a number when all of it is one (after normalising), else null. */
  static BigDecimal number(String s) {
    return NUMBER.matcher(s).matches() ? decimal(s) : null;
  }

  static String normalise(String s) {
    String t = s.trim().replaceAll("\\s+", " ");
    if (t.length() >= 2 && t.startsWith("$") && t.endsWith("$")) t = t.substring(1, t.length() - 1).trim();
    if (t.startsWith("$")) t = t.substring(1).trim(); // a currency sign: "$18"
    if (t.endsWith(".")) t = t.substring(0, t.length() - 1).trim();
    return t.toLowerCase(Locale.ROOT);
  }

  private static BigDecimal decimal(String s) { return new BigDecimal(s.replace(",", "")); }

  private static String plain(Number n) {
    return n instanceof Double || n instanceof Float ? BigDecimal.valueOf(n.doubleValue()).toPlainString() : n.toString();
  }
}
