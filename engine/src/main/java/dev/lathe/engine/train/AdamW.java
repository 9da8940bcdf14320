package dev.lathe.engine.train;

import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter), the arithmetic of torch.optim.AdamW:
 * p *= 1 - lr*wd; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
 * p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps). Moments are fp32 when the parameter is.
 */
public final class AdamW implements Optimizer {
  public record Settings(double beta1, double beta2, double eps, double weightDecay) {
    public static Settings defaults() { return new Settings(0.9, 0.999, 1e-8, 0.0); }
  }

  private final Settings s;
  private final Map<String, Tensor> params;
  private final Scope owned = Scope.detached();
  private final Map<String, Tensor> expAvg = new LinkedHashMap<>();
  private final Map<String, Tensor> expAvgSq = new LinkedHashMap<>();
  private long steps;

  public AdamW(Map<String, Tensor> namedParams, Settings settings) {
    this.s = settings;
    this.params = new LinkedHashMap<>(namedParams);
    try (var g = Grad.disabled()) {
      params.forEach((n, p) -> {
        expAvg.put(n, owned.own(Tensors.zerosLike(p)));
        expAvgSq.put(n, owned.own(Tensors.zerosLike(p)));
      });
    }
  }

  @Override
  public void step(double lr) {
    steps++;
    double bc1 = 1 - Math.pow(s.beta1(), steps);
    double bc2Sqrt = Math.sqrt(1 - Math.pow(s.beta2(), steps));
    try (Scope sc = Scope.open(); var g = Grad.disabled()) {
      for (Map.Entry<String, Tensor> e : params.entrySet()) {
        Tensor p = e.getValue();
        Tensor grad = p.grad();
        if (grad == null) continue;
        if (s.weightDecay() != 0 && NamedParams.decays(e.getKey())) p.mul_(1 - lr * s.weightDecay());
        Tensor m = expAvg.get(e.getKey());
        Tensor v = expAvgSq.get(e.getKey());
        m.lerp_(grad, 1 - s.beta1());
        v.mul_(s.beta2()).addcmul_(grad, grad, 1 - s.beta2());
        Tensor denom = v.sqrt().div_(bc2Sqrt).add_(s.eps());
        p.addcdiv_(m, denom, -lr / bc1);
      }
    }
  }

  @Override
  public void zeroGrad() { params.values().forEach(Tensor::zeroGrad); }

  @Override
  public List<Tensor> params() { return new ArrayList<>(params.values()); }

  @Override
  public long steps() { return steps; }

  @Override
  public Map<String, Tensor> state() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    expAvg.forEach((n, t) -> out.put(n + ".exp_avg", t));
    expAvgSq.forEach((n, t) -> out.put(n + ".exp_avg_sq", t));
    return out;
  }

  @Override
  public void load(Map<String, Tensor> state, long steps) {
    OptimizerState.copyInto(state(), state, "AdamW");
    this.steps = steps;
  }

  @Override
  public void close() { owned.close(); }
}
