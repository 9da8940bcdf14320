package dev.lathe.engine.nn;

import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;

/** y = x W^T + b with W [out, in] (HF/PyTorch layout, so checkpoints load without transposes). */
public class Linear extends Module implements Layer {
  private final Tensor weight;
  private final Tensor bias;

  public Linear(long in, long out, boolean bias, DType dtype) {
    this.weight = param("weight", Tensors.zeros(new long[]{out, in}, dtype));
    this.bias = bias ? param("bias", Tensors.zeros(new long[]{out}, dtype)) : null;
  }

  /** Wraps existing tensors (merged LoRA weights); this module takes ownership of them. */
  public Linear(Tensor weight, Tensor bias) {
    this.weight = param("weight", weight);
    this.bias = bias == null ? null : param("bias", bias);
  }

  public Tensor weight() { return weight; }

  /** The bias, or null. */
  public Tensor bias() { return bias; }

  public long inFeatures() { return weight.size(1); }

  public long outFeatures() { return weight.size(0); }

  @Override
  public Tensor forward(Tensor x) { return x.linear(weight, bias); }
}
