package dev.lathe.engine.train;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a finished run reports: the last update, why it stopped, every metrics row (as written to
 * metrics.jsonl), the last evaluation, and the per-phase time split.
 */
public record RunResult(long steps, String stopReason, List<Map<String, Object>> history,
                        Map<String, Double> lastEval, Map<String, Double> phaseSeconds, Path outputDir) {
  /** The logged training loss of each step that has one (logging_steps 1 gives every step). */
  public Map<Long, Double> lossByStep() {
    java.util.TreeMap<Long, Double> out = new java.util.TreeMap<>();
    for (Map<String, Object> row : history) {
      if (row.get("loss") instanceof Number l && row.get("step") instanceof Number s) out.put(s.longValue(), l.doubleValue());
    }
    return out;
  }
}
