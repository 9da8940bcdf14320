package dev.lathe.engine.align;

import dev.lathe.engine.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a loss returns for one micro-batch: the scalar loss (with its autograd graph, owned by the
 * caller's current scope) and the batch's metrics under TRL's names, already reduced to numbers
 * (detached; insertion order is the order TRL logs them).
 */
public record LossResult(Tensor loss, Map<String, Double> metrics) {
  public LossResult {
    if (loss == null) throw new IllegalArgumentException("loss must not be null");
    if (loss.numel() != 1) {
      throw new IllegalArgumentException("loss must be a scalar, got " + loss.describe());
    }
    metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
  }

  /** The metric, or an error naming the ones present (typos in metric names fail loudly). */
  public double metric(String name) {
    Double v = metrics.get(name);
    if (v == null) throw new IllegalArgumentException("no metric '" + name + "'; present: " + metrics.keySet());
    return v;
  }
}
