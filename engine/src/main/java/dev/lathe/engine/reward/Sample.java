package dev.lathe.engine.reward;

import java.util.Map;

/**
 * One generated completion as a reward function sees it (the contract of docs/design.md, "Rewards").
 *
 * @param index position of the completion in the generation round (rows of a group are consecutive)
 * @param group index of the prompt in the round; the round holds {@code groupSize} completions per prompt
 * @param member 0..groupSize-1 inside its group
 * @param prompt the prompt text exactly as the model saw it (chat template applied for message prompts)
 * @param completion the generated text, special tokens skipped, cut before a stop string
 * @param promptIds the prompt's token ids
 * @param completionIds the generated ids (a terminating EOS included)
 * @param row the dataset row after its transform: every column, e.g. an `answer` for an exact-match reward
 * @param truncated generation stopped at max_completion_length, not at EOS or a stop string
 */
public record Sample(int index, int group, int member, String prompt, String completion, int[] promptIds,
    int[] completionIds, Map<String, Object> row, boolean truncated) {

  /** A short description for error messages: where the sample is and how it starts. */
  public String describe() {
    String c = completion == null ? "null" : completion.length() > 80 ? completion.substring(0, 80) + "..." : completion;
    return "sample " + index + " (prompt " + group + ", completion " + member + "): " + PyRepr.quote(c);
  }

  /** Minimal quoting for messages, so control characters stay visible. */
  static final class PyRepr {
    private PyRepr() {}

    static String quote(String s) {
      StringBuilder b = new StringBuilder("\"");
      for (char ch : s.toCharArray()) {
        switch (ch) {
          case '\n' -> b.append("\\n");
          case '\t' -> b.append("\\t");
          case '"' -> b.append("\\\"");
          case '\\' -> b.append("\\\\");
          default -> b.append(ch);
        }
      }
      return b.append('"').toString();
    }
  }
}
