package dev.lathe.engine.train;

import dev.lathe.engine.tensor.Tensor;
import java.util.Map;

/** Which optimizer to build over a model's trainable parameters (chosen once, at config binding). */
public sealed interface OptimizerSpec {
  Optimizer build(Map<String, Tensor> namedParams);

  record AdamW(dev.lathe.engine.train.AdamW.Settings settings) implements OptimizerSpec {
    public Optimizer build(Map<String, Tensor> p) { return new dev.lathe.engine.train.AdamW(p, settings); }
  }

  record Sgd(double momentum, double weightDecay) implements OptimizerSpec {
    public Optimizer build(Map<String, Tensor> p) { return new dev.lathe.engine.train.Sgd(p, momentum, weightDecay); }
  }
}
