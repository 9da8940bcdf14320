package dev.lathe.engine.nn;

import dev.lathe.engine.tensor.DType;
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
    Tensor gate = layer("gate_proj").forward(x).silu();
    return layer("down_proj").forward(gate.mul(layer("up_proj").forward(x)));
  }
}
