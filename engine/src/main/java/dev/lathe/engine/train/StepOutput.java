package dev.lathe.engine.train;

import dev.lathe.engine.tensor.Tensor;
import java.util.Map;

/** One micro-batch's loss (scalar, with graph) and its metrics (plain numbers, TRL names). */
public record StepOutput(Tensor loss, Map<String, Double> metrics) {
  public StepOutput {
    if (loss == null) throw new IllegalArgumentException("a step must return a loss");
    if (loss.numel() != 1) throw new IllegalArgumentException("the loss must be a scalar, got " + loss.describe());
    metrics = metrics == null ? Map.of() : metrics;
  }
}
