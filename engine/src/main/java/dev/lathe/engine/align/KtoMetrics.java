package dev.lathe.engine.align;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * TRL's KTO logging: over a logging window of micro-batch metric maps (from {@link KtoLoss}),
 * {@code rewards|logps|logits/<side>} = Σ of the {@code *_sum} values / Σ {@code count/<side>}
 * (exact sample means), {@code rewards/margins} = chosen − rejected when both sides were seen, and
 * every other metric (e.g. {@code kl}) = arithmetic mean of its values in the window.
 */
public final class KtoMetrics {
  private KtoMetrics() {}

  private static final List<String> KINDS = List.of("rewards", "logps", "logits");

  public static Map<String, Double> reduce(List<Map<String, Double>> window) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (String side : List.of("chosen", "rejected")) {
      double count = sum(window, "count/" + side);
      if (count <= 0) continue;
      for (String kind : KINDS) {
        String key = kind + "/" + side + "_sum";
        if (window.stream().anyMatch(m -> m.containsKey(key))) out.put(kind + "/" + side, sum(window, key) / count);
      }
    }
    if (out.containsKey("rewards/chosen") && out.containsKey("rewards/rejected")) {
      out.put("rewards/margins", out.get("rewards/chosen") - out.get("rewards/rejected"));
    }
    Map<String, double[]> rest = new LinkedHashMap<>(); // name -> {sum, n}
    for (Map<String, Double> m : window) {
      for (var e : m.entrySet()) {
        String k = e.getKey();
        if (k.startsWith("count/") || k.endsWith("_sum")) continue;
        double[] acc = rest.computeIfAbsent(k, x -> new double[2]);
        acc[0] += e.getValue();
        acc[1] += 1;
      }
    }
    rest.forEach((k, acc) -> out.put(k, acc[0] / acc[1]));
    return out;
  }

  private static double sum(List<Map<String, Double>> window, String key) {
    return window.stream().mapToDouble(m -> m.getOrDefault(key, 0.0)).sum();
  }
}
