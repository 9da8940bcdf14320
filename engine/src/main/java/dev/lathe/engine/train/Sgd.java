package dev.lathe.engine.train;

import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent as torch.optim.SGD (dampening 0, not Nesterov): weight decay is
 * L2 added to the gradient; with momentum, buf = mu*buf + g (buf = g on the first step), p -= lr*buf.
 */
public final class Sgd implements Optimizer {
  private final Map<String, Tensor> params;
  private final double momentum;
  private final double weightDecay;
  private final Scope owned = Scope.detached();
  private final Map<String, Tensor> buffers = new LinkedHashMap<>();
  private long steps;

  public Sgd(Map<String, Tensor> namedParams, double momentum, double weightDecay) {
    this.params = new LinkedHashMap<>(namedParams);
    this.momentum = momentum;
    this.weightDecay = weightDecay;
  }

  @Override
  public void step(double lr) {
    steps++;
    try (Scope sc = Scope.open(); var g = Grad.disabled()) {
      for (Map.Entry<String, Tensor> e : params.entrySet()) {
        Tensor p = e.getValue();
        Tensor d = p.grad();
        if (d == null) continue;
        if (weightDecay != 0 && NamedParams.decays(e.getKey())) d = d.add(p, weightDecay);
        if (momentum != 0) d = momentumBuffer(e.getKey(), d);
        p.add_(d, -lr);
      }
    }
  }

  private Tensor momentumBuffer(String name, Tensor d) {
    Tensor buf = buffers.get(name);
    if (buf == null) {
      buf = owned.own(d.clone());
      buffers.put(name, buf);
    } else {
      buf.mul_(momentum).add_(d);
    }
    return buf;
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
    buffers.forEach((n, t) -> out.put(n + ".momentum_buffer", t));
    return out;
  }

  @Override
  public void load(Map<String, Tensor> state, long steps) {
    try (var g = Grad.disabled()) {
      for (Map.Entry<String, Tensor> e : state.entrySet()) {
        String key = e.getKey();
        String name = key.endsWith(".momentum_buffer") ? key.substring(0, key.length() - 16) : null;
        if (name == null || !params.containsKey(name)) {
          throw new IllegalArgumentException("SGD state has an unexpected tensor '" + key + "'");
        }
        buffers.put(name, owned.own(e.getValue().clone()));
      }
    }
    this.steps = steps;
  }

  @Override
  public void close() { owned.close(); }
}
