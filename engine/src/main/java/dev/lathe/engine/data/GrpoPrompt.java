package dev.lathe.engine.data;

import java.util.Map;

/**
 * One GRPO prompt as the step needs it.
 *
 * @param text the prompt exactly as the model sees it (chat template and generation prompt applied)
 * @param ids its token ids
 * @param row the row's columns after its transform, for the reward functions
 * @param origin file:line of the row, for messages
 */
public record GrpoPrompt(String text, int[] ids, Map<String, Object> row, String origin) {}
