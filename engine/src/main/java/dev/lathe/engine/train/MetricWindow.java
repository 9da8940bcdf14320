package dev.lathe.engine.train;

import java.util.LinkedHashMap;
import java.util.Map;

/** Means of per-micro-batch values since the last log, as TRL reports them (a plain mean of entries). */
final class MetricWindow {
  private final Map<String, double[]> sums = new LinkedHashMap<>();

  void add(String key, double v) {
    double[] s = sums.computeIfAbsent(key, k -> new double[2]);
    s[0] += v;
    s[1] += 1;
  }

  void addAll(Map<String, Double> m) { m.forEach(this::add); }

  boolean isEmpty() { return sums.isEmpty(); }

  /** The means, prefixed (e.g. "eval_"), then cleared. */
  Map<String, Double> drain(String prefix) {
    Map<String, Double> out = new LinkedHashMap<>();
    sums.forEach((k, s) -> out.put(prefix + k, s[0] / s[1]));
    sums.clear();
    return out;
  }
}
