package dev.lathe.engine.data;

/**
 * Token ids of one example: the prompt once and its completions ([chosen, rejected], or [completion]
 * for KTO; reward models have an empty prompt and the full conversations as completions). The
 * label mask of a training row is 1 exactly on the completion tokens.
 */
public record EncodedExample(PreparedRow row, int[] prompt, int[][] completions) {
  public int[] chosen() {
    return completions[0];
  }

  public int[] rejected() {
    return completions[1];
  }

  public int[] completion() {
    return completions[0];
  }

  public TextExample text() {
    return row.text();
  }

  /** prompt + completion i, the sequence a model sees. */
  public int[] sequence(int i) {
    int[] c = completions[i];
    int[] out = java.util.Arrays.copyOf(prompt, prompt.length + c.length);
    System.arraycopy(c, 0, out, prompt.length, c.length);
    return out;
  }

  public int maxLength() {
    int m = 0;
    for (int[] c : completions) {
      m = Math.max(m, prompt.length + c.length);
    }
    return m;
  }
}
