package dev.lathe.engine.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Values since the last log: the loop's own numbers (loss, grad_norm, learning_rate) as plain means,
 * and the method's per-micro-batch metric maps, reduced by the method's {@link MetricReducer}
 * (TRL averages micro-batch values; KTO divides sums by counts).
 */
final class MetricWindow {
  private final Map<String, double[]> loop = new LinkedHashMap<>();
  private final List<Map<String, Double>> method = new ArrayList<>();

  void add(String key, double v) {
    double[] s = loop.computeIfAbsent(key, k -> new double[2]);
    s[0] += v;
    s[1] += 1;
  }

  void addMethod(Map<String, Double> m) {
    if (!m.isEmpty()) method.add(m);
  }

  /** Replaces the method's maps with every rank's (the loop's own values are already global). */
  MetricWindow gather(DataParallel dp) {
    if (dp.world() > 1) {
      List<Map<String, Double>> all = dp.gather(List.copyOf(method));
      method.clear();
      method.addAll(all);
    }
    return this;
  }

  /** The reduced values, prefixed (e.g. "eval_"), then cleared. */
  Map<String, Double> drain(String prefix, MetricReducer reducer) {
    Map<String, Double> out = new LinkedHashMap<>();
    loop.forEach((k, s) -> out.put(prefix + k, s[0] / s[1]));
    if (!method.isEmpty()) reducer.reduce(method).forEach((k, v) -> out.put(prefix + k, v));
    loop.clear();
    method.clear();
    return out;
  }
}
