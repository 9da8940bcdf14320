package dev.lathe.engine.nn;

import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;

/** Token ids [b, s] -> vectors [b, s, h]; the weight [v, h] doubles as lm_head when tied. */
public final class Embedding extends Module {
  private final Tensor weight;

  public Embedding(long vocab, long dim, DType dtype) {
    weight = param("weight", Tensors.zeros(new long[]{vocab, dim}, dtype));
  }

  public Tensor weight() { return weight; }

  public long vocabSize() { return weight.size(0); }

  public Tensor forward(Tensor ids) { return Tensors.embedding(weight, ids); }
}
