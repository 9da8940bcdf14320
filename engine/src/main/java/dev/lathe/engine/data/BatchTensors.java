package dev.lathe.engine.data;

import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;

/**
 * A batch layout as CPU tensors, owned by the innermost open Scope: input ids and position ids
 * int64, masks bool. Padded layouts are [rows, s]; a packed batch is [1, T] (its attention mask
 * is all true and cuSeqlens is int32 [n + 1]).
 */
public record BatchTensors(Tensor inputIds, Tensor attentionMask, Tensor labelMask, Tensor positionIds, Tensor cuSeqlens) {

  /** [2b, s]: rows [0, b) chosen, [b, 2b) rejected. */
  public static BatchTensors of(PairBatch b) {
    long[] shape = {b.rows(), b.seqLen()};
    return new BatchTensors(Tensors.of(b.inputIds(), shape), mask(b.attentionMask(), shape),
        mask(b.labelMask(), shape), Tensors.of(b.positionIds(), shape), null);
  }

  /** [b, s] KTO rows (the labels stay in CompletionBatch.desirable()). */
  public static BatchTensors of(CompletionBatch b) {
    long[] shape = {b.rows(), b.seqLen()};
    return new BatchTensors(Tensors.of(b.inputIds(), shape), mask(b.attentionMask(), shape),
        mask(b.labelMask(), shape), Tensors.of(b.positionIds(), shape), null);
  }

  /** [1, T] with cu_seqlens. */
  public static BatchTensors of(PackedBatch b) {
    long[] shape = {1, b.totalTokens()};
    byte[] ones = new byte[b.totalTokens()];
    java.util.Arrays.fill(ones, (byte) 1);
    return new BatchTensors(Tensors.of(b.inputIds(), shape), mask(ones, shape), mask(b.labelMask(), shape),
        Tensors.of(b.positionIds(), shape), Tensors.of(b.cuSeqlens(), b.cuSeqlens().length));
  }

  private static Tensor mask(byte[] m, long[] shape) {
    return Tensors.fromBytes(m, DType.BOOL, shape);
  }
}
