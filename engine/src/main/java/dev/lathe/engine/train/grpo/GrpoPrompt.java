package dev.lathe.engine.train.grpo;

import java.util.Map;

/**
 * One training prompt: its token ids (chat template and generation prompt already applied for message
 * prompts), the text the model saw, and the dataset row (every column, for the reward functions).
 */
public record GrpoPrompt(int[] ids, String text, Map<String, Object> row) {
  public GrpoPrompt {
    if (ids == null || ids.length == 0) throw new IllegalArgumentException("a GRPO prompt needs at least one token" + (row == null ? "" : ": " + row));
    row = row == null ? Map.of() : row;
  }
}
