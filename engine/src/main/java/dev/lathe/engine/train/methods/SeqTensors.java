package dev.lathe.engine.train.methods;

import dev.lathe.engine.data.CompletionBatch;
import dev.lathe.engine.data.PairBatch;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;

/**
 * A right-padded batch of n sequences as tensors: ids [n, s] int64, attention [n, s] float (1 on
 * real tokens), completion [n, s] float (1 on completion tokens, whose log-probs count).
 */
public record SeqTensors(Tensor ids, Tensor attention, Tensor completion) {
  public static SeqTensors of(PairBatch b) {
    return of(b.inputIds(), b.attentionMask(), b.labelMask(), b.rows(), b.seqLen());
  }

  public static SeqTensors of(CompletionBatch b) {
    return of(b.inputIds(), b.attentionMask(), b.labelMask(), b.rows(), b.seqLen());
  }

  static SeqTensors of(long[] ids, byte[] attn, byte[] label, int n, int s) {
    return new SeqTensors(Tensors.of(ids, n, s), floats(attn, n, s), floats(label, n, s));
  }

  private static Tensor floats(byte[] v, int n, int s) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) f[i] = v[i];
    return Tensors.of(f, n, s);
  }

  public long rows() { return ids.size(0); }

  public long length() { return ids.size(1); }
}
