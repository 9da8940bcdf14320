package dev.lathe.engine.nn;

import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.tensor.Fused;
import dev.lathe.engine.tensor.Tensor;

/** Llama's MLP: down(silu(gate(x)) * up(x)), [b, s, h] -> [b, s, h] through [b, s, ffn]. */
public final class SwiGlu extends Module implements Layer {
  public SwiGlu(long hidden, long ffn, boolean bias, DType dtype) {
    child("gate_proj", new Linear(hidden, ffn, bias, dtype));
    child("up_proj", new Linear(hidden, ffn, bias, dtype));
    child("down_proj", new Linear(ffn, hidden, bias, dtype));
  }

  private Layer layer(String name) { return (Layer) childAt(name); }

  @Override
  public Tensor forward(Tensor x) {
    // silu(gate) * up fused in the shim: one pass, and backward saves only gate and up
    return layer("down_proj").forward(Fused.siluMul(layer("gate_proj").forward(x), layer("up_proj").forward(x)));
  }
}
