package dev.lathe.engine.train.grpo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** TRL's completions/* metrics of a round (grpo-spec §11.1): token counts, overall and of non-truncated completions. */
final class CompletionStats {
  private CompletionStats() {}

  static Map<String, Double> of(List<RolloutRow> rows) {
    int[] lengths = new int[rows.size()];
    boolean[] truncated = new boolean[rows.size()];
    for (int i = 0; i < lengths.length; i++) {
      lengths[i] = rows.get(i).completion().length;
      truncated[i] = rows.get(i).truncated();
    }
    return of(lengths, truncated);
  }

  /** The same from completion lengths in tokens and whether each hit max_completion_length. */
  static Map<String, Double> of(int[] lengths, boolean[] truncated) {
    Map<String, Double> m = new LinkedHashMap<>();
    double sum = 0, tsum = 0;
    int min = Integer.MAX_VALUE, max = 0, tmin = Integer.MAX_VALUE, tmax = 0, terminated = 0;
    for (int i = 0; i < lengths.length; i++) {
      int n = lengths[i];
      sum += n;
      min = Math.min(min, n);
      max = Math.max(max, n);
      if (!truncated[i]) {
        terminated++;
        tsum += n;
        tmin = Math.min(tmin, n);
        tmax = Math.max(tmax, n);
      }
    }
    int rows = lengths.length;
    m.put("completions/mean_length", sum / rows);
    m.put("completions/min_length", (double) min);
    m.put("completions/max_length", (double) max);
    m.put("completions/clipped_ratio", (double) (rows - terminated) / rows);
    m.put("completions/mean_terminated_length", terminated > 0 ? tsum / terminated : 0.0);
    m.put("completions/min_terminated_length", terminated > 0 ? (double) tmin : 0.0);
    m.put("completions/max_terminated_length", terminated > 0 ? (double) tmax : 0.0);
    return m;
  }
}
