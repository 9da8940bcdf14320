package dev.lathe.engine.train.methods;

import dev.lathe.engine.data.CompletionBatch;
import dev.lathe.engine.data.PackedBatch;
import dev.lathe.engine.data.PairBatch;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;

/**
 * A batch of n sequences as tensors: ids [n, s] int64, attention [n, s] float (1 on real tokens),
 * completion [n, s] float (1 on completion tokens, whose log-probs count), right-padded; and, for pairs,
 * the packed layout the forward runs instead (null = run the padded rows). Results are always read in the
 * padded [n, s] frame, whichever layout the forward used.
 */
public record SeqTensors(Tensor ids, Tensor attention, Tensor completion, PackedBatch packed) {
  public static SeqTensors of(PairBatch b) { return of(b, null); }

  /** @param packed the same pairs packed (PairLayout.pack), or null to run the padded rows */
  public static SeqTensors of(PairBatch b, PackedBatch packed) {
    if (packed != null && packed.pairs() != b.pairs()) {
      throw new IllegalArgumentException("packed layout of " + packed.pairs() + " pairs for a batch of " + b.pairs());
    }
    return new SeqTensors(Tensors.of(b.inputIds(), b.rows(), b.seqLen()), floats(b.attentionMask(), b.rows(), b.seqLen()),
        floats(b.labelMask(), b.rows(), b.seqLen()), packed);
  }

  public static SeqTensors of(CompletionBatch b) {
    return of(b.inputIds(), b.attentionMask(), b.labelMask(), b.rows(), b.seqLen());
  }

  static SeqTensors of(long[] ids, byte[] attn, byte[] label, int n, int s) {
    return new SeqTensors(Tensors.of(ids, n, s), floats(attn, n, s), floats(label, n, s), null);
  }

  private static Tensor floats(byte[] v, int n, int s) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) f[i] = v[i];
    return Tensors.of(f, n, s);
  }

  public long rows() { return ids.size(0); }

  public long length() { return ids.size(1); }
}
