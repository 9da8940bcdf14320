package dev.lathe.engine.train;

import dev.lathe.engine.tensor.Fused;
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
 * The update runs in the shim ({@link Fused#adamwStep}): one pass over memory per parameter instead of
 * seven whole-tensor ops, same arithmetic in the same order.
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
    // two native calls (parameters with and without weight decay), one pass over memory per tensor
    List<List<Tensor>> decayed = groups();
    List<List<Tensor>> plain = groups();
    try (Scope sc = Scope.open(); var g = Grad.disabled()) {
      for (Map.Entry<String, Tensor> e : params.entrySet()) {
        Tensor grad = e.getValue().grad();
        if (grad == null) continue;
        List<List<Tensor>> to = s.weightDecay() != 0 && NamedParams.decays(e.getKey()) ? decayed : plain;
        to.get(0).add(e.getValue());
        to.get(1).add(grad);
        to.get(2).add(expAvg.get(e.getKey()));
        to.get(3).add(expAvgSq.get(e.getKey()));
      }
      update(decayed, lr, s.weightDecay(), bc1, bc2Sqrt);
      update(plain, lr, 0, bc1, bc2Sqrt);
    }
  }

  private static List<List<Tensor>> groups() {
    return List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
  }

  private void update(List<List<Tensor>> g, double lr, double wd, double bc1, double bc2Sqrt) {
    Fused.adamwStep(g.get(0), g.get(1), g.get(2), g.get(3), lr, s.beta1(), s.beta2(), s.eps(), wd, bc1, bc2Sqrt);
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
