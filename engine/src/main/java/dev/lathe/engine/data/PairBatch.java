package dev.lathe.engine.data;

import java.util.Arrays;
import java.util.List;

/**
 * Chosen and rejected of b pairs in one padded batch for a single concatenated forward:
 * rows [0, b) are chosen, rows [b, 2b) rejected, each prompt + completion, right-padded to s.
 * Arrays are row-major [2b, s]. labelMask is 1 on completion tokens (the ones whose log-probs
 * count); for reward-model pairs (empty prompt) it covers the whole conversation.
 */
public record PairBatch(int pairs, int seqLen, long[] inputIds, byte[] attentionMask, byte[] labelMask,
    long[] positionIds, int[] lengths) {

  public int rows() {
    return 2 * pairs;
  }

  public static PairBatch of(List<EncodedExample> examples, int padId) {
    int b = examples.size();
    int s = 0;
    for (EncodedExample e : examples) {
      s = Math.max(s, e.maxLength());
    }
    long[] ids = new long[2 * b * s];
    Arrays.fill(ids, padId);
    byte[] attn = new byte[2 * b * s];
    byte[] label = new byte[2 * b * s];
    long[] pos = new long[2 * b * s];
    int[] lengths = new int[2 * b];
    for (int i = 0; i < b; i++) {
      EncodedExample e = examples.get(i);
      lengths[i] = fill(ids, attn, label, pos, i * s, e.prompt(), e.chosen());
      lengths[b + i] = fill(ids, attn, label, pos, (b + i) * s, e.prompt(), e.rejected());
    }
    return new PairBatch(b, s, ids, attn, label, pos, lengths);
  }

  /** Writes prompt+completion at offset; returns its length. Position ids count from 0; padding keeps 0. */
  static int fill(long[] ids, byte[] attn, byte[] label, long[] pos, int off, int[] prompt, int[] completion) {
    int n = 0;
    for (int t : prompt) {
      ids[off + n] = t;
      attn[off + n] = 1;
      pos[off + n] = n;
      n++;
    }
    for (int t : completion) {
      ids[off + n] = t;
      attn[off + n] = 1;
      label[off + n] = 1;
      pos[off + n] = n;
      n++;
    }
    return n;
  }
}
