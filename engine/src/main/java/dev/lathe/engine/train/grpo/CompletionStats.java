package dev.lathe.engine.train.grpo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** TRL's completions/* metrics of a round (grpo-spec §11.1): token counts, overall and of non-truncated completions. */
final class CompletionStats {
  private CompletionStats() {}

  static Map<String, Double> of(List<RolloutRow> rows) {
    Map<String, Double> m = new LinkedHashMap<>();
    double sum = 0, tsum = 0;
    int min = Integer.MAX_VALUE, max = 0, tmin = Integer.MAX_VALUE, tmax = 0, terminated = 0;
    for (RolloutRow r : rows) {
      int n = r.completion().length;
      sum += n;
      min = Math.min(min, n);
      max = Math.max(max, n);
      if (!r.truncated()) {
        terminated++;
        tsum += n;
        tmin = Math.min(tmin, n);
        tmax = Math.max(tmax, n);
      }
    }
    m.put("completions/mean_length", sum / rows.size());
    m.put("completions/min_length", (double) min);
    m.put("completions/max_length", (double) max);
    m.put("completions/clipped_ratio", (double) (rows.size() - terminated) / rows.size());
    m.put("completions/mean_terminated_length", terminated > 0 ? tsum / terminated : 0.0);
    m.put("completions/min_terminated_length", terminated > 0 ? (double) tmin : 0.0);
    m.put("completions/max_terminated_length", terminated > 0 ? (double) tmax : 0.0);
    return m;
  }
}
