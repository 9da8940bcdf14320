package dev.lathe.engine.nn;

import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;

/**
 * A linear with a low-rank adapter: y = x W^T + b + scaling * B(A(dropout(x))), A [r, in],
 * B [out, r]. It takes over the frozen base weight and bias under the same names, so the
 * base checkpoint still maps onto "q_proj.weight", and the adapter appears as
 * "q_proj.lora_A.weight" / "q_proj.lora_B.weight" (PEFT's names without the adapter label).
 * B starts at zero, so a fresh adapter leaves the model's outputs unchanged.
 */
public final class LoraLinear extends Module implements Layer {
  private final Tensor weight;
  private final Tensor bias;
  private final double scaling;
  private final double dropout;
  private final AdapterSwitch sw;

  public LoraLinear(Linear base, LoraSpec spec, AdapterSwitch sw) {
    this.weight = param("weight", base.weight());
    this.bias = base.bias() == null ? null : param("bias", base.bias());
    weight.requiresGrad_(false);
    if (bias != null) bias.requiresGrad_(false);
    this.scaling = spec.scaling();
    this.dropout = spec.dropout();
    this.sw = sw;
    Linear a = child("lora_A", new Linear(base.inFeatures(), spec.r(), false, weight.dtype()));
    child("lora_B", new Linear(spec.r(), base.outFeatures(), false, weight.dtype()));
    // PEFT's default: kaiming_uniform(a=sqrt(5)) on A, i.e. U(-1/sqrt(in), 1/sqrt(in)); B = 0
    double bound = 1 / Math.sqrt(base.inFeatures());
    try (var g = Grad.disabled()) {
      a.weight().uniform_(-bound, bound);
    }
  }

  public Linear loraA() { return (Linear) childAt("lora_A"); }

  public Linear loraB() { return (Linear) childAt("lora_B"); }

  public double scaling() { return scaling; }

  @Override
  public Tensor forward(Tensor x) {
    Tensor y = x.linear(weight, bias);
    if (!sw.enabled()) return y;
    Tensor in = dropout > 0 && isTraining() ? x.dropout(dropout, true) : x;
    Tensor delta = loraB().forward(loraA().forward(in)); // [..., out]
    return y.add(delta, scaling);
  }

  /** W + scaling * B A as a plain Linear (new tensors, owned by the new module). */
  public Linear merged() {
    try (Scope s = Scope.open(); var g = Grad.disabled()) {
      Tensor w = weight.add(loraB().weight().matmul(loraA().weight()), scaling);
      Tensor b = bias == null ? null : bias.clone();
      return new Linear(s.keep(w), b == null ? null : s.keep(b));
    }
  }
}
