package dev.lathe.engine.data;

import java.util.Arrays;
import java.util.List;

/** KTO rows: prompt + completion right-padded to s, [b, s] row-major, with each row's desirable label. */
public record CompletionBatch(int rows, int seqLen, long[] inputIds, byte[] attentionMask, byte[] labelMask,
    long[] positionIds, boolean[] desirable, int[] lengths) {

  public static CompletionBatch of(List<EncodedExample> examples, int padId) {
    int b = examples.size();
    int s = 0;
    for (EncodedExample e : examples) {
      s = Math.max(s, e.maxLength());
    }
    long[] ids = new long[b * s];
    Arrays.fill(ids, padId);
    byte[] attn = new byte[b * s];
    byte[] label = new byte[b * s];
    long[] pos = new long[b * s];
    boolean[] desirable = new boolean[b];
    int[] lengths = new int[b];
    for (int i = 0; i < b; i++) {
      EncodedExample e = examples.get(i);
      if (e.text().label() == null) {
        throw new DataException("row " + e.row().origin() + ": a KTO batch needs a label on every row");
      }
      lengths[i] = PairBatch.fill(ids, attn, label, pos, i * s, e.prompt(), e.completion());
      desirable[i] = e.text().label();
    }
    return new CompletionBatch(b, s, ids, attn, label, pos, desirable, lengths);
  }
}
