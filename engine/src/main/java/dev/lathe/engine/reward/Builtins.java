package dev.lathe.engine.reward;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reward functions every GRPO user needs, as ready {@link Reward}s (weight 1; rename or reweight with
 * {@link Reward#named} and {@link Reward#withWeight}). The rules are in docs/rewards.md, "Built-ins".
 */
public final class Builtins {
  private Builtins() {}

  /**
   * 1.0 when the completion's answer equals the row's {@code column} under {@link Answers}' rules, 0.0
   * when it differs or no answer can be found (a wrong answer, not an unscorable one), null when the
   * row has no value in that column.
   */
  public static Reward answerMatch(String column) {
    if (column == null || column.isBlank()) throw new IllegalArgumentException("answer_match needs the name of the column holding the answer");
    return Reward.of("answer_match", 1.0, s -> {
      Object gold = s.row() == null ? null : s.row().get(column);
      if (gold == null) return null;
      return Answers.matches(s.completion(), gold) ? 1.0 : 0.0;
    });
  }

  /**
   * 1.0 when the whole completion matches {@code regex}, 0.0 otherwise. {@code .} also matches line
   * breaks (DOTALL), so a multi-line reasoning block inside {@code <think>...</think>} matches; TRL's
   * documented example uses Python's re.match without DOTALL and scores such completions 0.
   */
  public static Reward format(String regex) {
    Pattern p;
    try {
      p = Pattern.compile(regex, Pattern.DOTALL);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException("format reward: the regex " + regex + " does not compile: " + e.getDescription(), e);
    }
    return Reward.of("format", 1.0, s -> p.matcher(s.completion()).matches() ? 1.0 : 0.0);
  }

  /**
   * −|n − target| / target, n = completion tokens (the terminating EOS counts): 0 at the target, −1 at
   * no tokens or twice the target.
   */
  public static Reward lengthTarget(int target) {
    if (target < 1) throw new IllegalArgumentException("length target must be at least 1 token, got " + target);
    return Reward.of("length", 1.0, s -> -Math.abs(s.completionIds().length - target) / (double) target);
  }

  /**
   * DAPO's soft overlong punishment over n completion tokens: 0 up to {@code maxLength − buffer}, then
   * falling linearly to −1 at {@code maxLength}, −1 beyond.
   */
  public static Reward overlong(int maxLength, int buffer) {
    if (buffer < 1 || buffer > maxLength) {
      throw new IllegalArgumentException("overlong penalty: need 1 <= buffer <= max length, got buffer " + buffer + ", max length " + maxLength);
    }
    int free = maxLength - buffer;
    return Reward.of("overlong", 1.0, s -> {
      int n = s.completionIds().length;
      if (n <= free) return 0.0;
      if (n > maxLength) return -1.0;
      return (free - n) / (double) buffer;
    });
  }
}
