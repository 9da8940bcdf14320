package dev.lathe.engine.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Turns the per-micro-batch metric maps of a logging window into the logged values. */
@FunctionalInterface
public interface MetricReducer {
  Map<String, Double> reduce(List<Map<String, Double>> window);

  /** TRL's default: the plain mean of each key over the micro-batches that reported it. */
  MetricReducer MEAN = window -> {
    Map<String, double[]> acc = new LinkedHashMap<>();
    for (Map<String, Double> m : window) {
      m.forEach((k, v) -> {
        double[] s = acc.computeIfAbsent(k, x -> new double[2]);
        s[0] += v;
        s[1] += 1;
      });
    }
    Map<String, Double> out = new LinkedHashMap<>();
    acc.forEach((k, s) -> out.put(k, s[0] / s[1]));
    return out;
  };
}
