package dev.lathe.engine.train.grpo;

import java.util.List;
import java.util.Map;

/**
 * One generation round in the buffer: its completions already shuffled and cut into S micro-batches of
 * consecutive rows, and the round's metrics (logged once, with the round's first micro-batch).
 *
 * @param number rounds generated before this one (0-based), which also fixes its prompts and shuffle
 */
public record Round(long number, List<RolloutRow> rows, Map<String, Double> metrics) {
  public List<RolloutRow> microBatch(int index, int size) { return rows.subList(index * size, (index + 1) * size); }
}
