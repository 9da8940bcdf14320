package dev.lathe.engine.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * What preprocessing did: rows read, kept, dropped by reason, truncated, token repairs, warnings,
 * and token-length percentiles per field (prompt, chosen, rejected, completion; GRPO: prompt text).
 */
public record PreprocessReport(Method method, long rowsRead, long trainKept, long evalKept, Map<String, Long> dropped,
    long truncated, Map<String, Long> fixes, List<String> warnings, Map<String, int[]> lengthPercentiles,
    double seconds) {

  /** The percentiles reported for each field, in order. */
  public static final double[] PERCENTILES = {50, 90, 99, 100};

  static PreprocessReport of(Method m, DatasetPipeline.Prepared p, List<EncodedExample> train, List<EncodedExample> eval,
      double seconds, List<GrpoPrompt> prompts) {
    Map<String, int[]> pct = new LinkedHashMap<>();
    if (m.isGrpo()) {
      if (!prompts.isEmpty()) {
        // GRPO: the prompts as the model sees them (template and generation prompt applied)
        pct.put("prompt", percentiles(prompts.stream().mapToInt(g -> g.ids().length).toArray()));
      }
    } else {
      field(pct, "prompt", train, e -> e.prompt().length);
      if (m.isKto()) {
        field(pct, "completion", train, e -> e.completion().length);
      } else {
        field(pct, "chosen", train, e -> e.chosen().length);
        field(pct, "rejected", train, e -> e.rejected().length);
      }
      field(pct, "longest sequence", train, EncodedExample::maxLength);
    }
    long trainKept = m.isGrpo() ? p.train().size() : train.size();
    long evalKept = m.isGrpo() ? p.eval().size() : eval.size();
    return new PreprocessReport(m, p.counts().read(), trainKept, evalKept, p.counts().dropped(),
        p.counts().truncatedCount(), p.counts().fixes(), p.warnings().summary(), pct, seconds);
  }

  private static void field(Map<String, int[]> pct, String name, List<EncodedExample> rows,
      Function<EncodedExample, Integer> len) {
    pct.put(name, percentiles(rows.stream().mapToInt(len::apply).toArray()));
  }

  /** Nearest-rank percentiles (p50, p90, p99, max) of the values; empty input gives zeros. */
  static int[] percentiles(int[] values) {
    int[] out = new int[PERCENTILES.length];
    if (values.length == 0) {
      return out;
    }
    int[] v = values.clone();
    Arrays.sort(v);
    for (int i = 0; i < PERCENTILES.length; i++) {
      int rank = (int) Math.ceil(PERCENTILES[i] / 100.0 * v.length);
      out[i] = v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }
    return out;
  }

  public long droppedTotal() {
    return dropped.values().stream().mapToLong(Long::longValue).sum();
  }

  public String toText() {
    List<String> lines = new ArrayList<>();
    lines.add("method: " + method.key);
    lines.add(String.format(Locale.ROOT, "rows read: %d   kept: %d train + %d eval   dropped: %d   truncated: %d",
        rowsRead, trainKept, evalKept, droppedTotal(), truncated));
    dropped.forEach((why, n) -> lines.add("  dropped " + n + ": " + why));
    fixes.forEach((what, n) -> lines.add("  fixed " + n + ": " + what));
    if (!lengthPercentiles.isEmpty()) {
      lines.add(String.format(Locale.ROOT, "%-18s %7s %7s %7s %7s", "tokens", "p50", "p90", "p99", "max"));
      lengthPercentiles.forEach((f, p) -> lines.add(String.format(Locale.ROOT, "%-18s %7d %7d %7d %7d", f, p[0], p[1], p[2], p[3])));
    }
    for (String w : warnings) {
      lines.add("warning: " + w);
    }
    double rate = seconds > 0 ? rowsRead / seconds : 0;
    lines.add(String.format(Locale.ROOT, "time: %.2f s (%.0f rows/s)", seconds, rate));
    return String.join("\n", lines);
  }
}
