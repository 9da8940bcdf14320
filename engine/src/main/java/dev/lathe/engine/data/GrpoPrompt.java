package dev.lathe.engine.data;

import java.util.Map;

/**
 * One GRPO prompt as the step needs it: the only prompt type of GRPO, made by {@link GrpoPrompts} for the
 * YAML path, the recipe DSL and `lathe reward` alike.
 *
 * @param text the prompt exactly as the model sees it (chat template and generation prompt applied)
 * @param ids its token ids
 * @param row the row's columns after its transform, for the reward functions
 * @param origin file:line of the row (or a recipe's row index), for messages
 */
public record GrpoPrompt(String text, int[] ids, Map<String, Object> row, String origin) {
  public GrpoPrompt {
    if (ids == null || ids.length == 0) {
      throw new DataException("row " + origin + ": the GRPO prompt encodes to no tokens; a prompt needs at least one");
    }
    row = row == null ? Map.of() : row;
  }
}
