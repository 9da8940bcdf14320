package dev.lathe.engine.data;

import java.util.Arrays;
import java.util.List;

/**
 * Prompt-shared pairs for prefix sharing: each row is [prompt | chosen | rejected], [b, s] row-major,
 * so the prompt is computed once per pair. Position ids: prompt 0..p-1, chosen p..p+c-1, rejected
 * p..p+r-1 (both continue the prompt). segment: 0 prompt, 1 chosen, 2 rejected, -1 padding. Attention
 * must be causal and block chosen<->rejected: token i may see j iff j <= i and (segment[j] == 0 or
 * segment[j] == segment[i]) — see {@link #allowed}. The logits predicting token i sit at
 * predictorIndex[i]: i-1, except the first rejected token, which is predicted from the last prompt token.
 */
public record SharedPrefixBatch(int pairs, int seqLen, long[] inputIds, byte[] segment, byte[] labelMask,
    long[] positionIds, int[] predictorIndex, int[] promptLen, int[] chosenLen, int[] rejectedLen) {

  public static SharedPrefixBatch of(List<EncodedExample> examples, int padId) {
    int b = examples.size();
    int s = 0;
    for (EncodedExample e : examples) {
      s = Math.max(s, e.prompt().length + e.chosen().length + e.rejected().length);
    }
    long[] ids = new long[b * s];
    Arrays.fill(ids, padId);
    byte[] seg = new byte[b * s];
    Arrays.fill(seg, (byte) -1);
    byte[] label = new byte[b * s];
    long[] pos = new long[b * s];
    int[] pred = new int[b * s];
    Arrays.fill(pred, -1);
    int[] pl = new int[b];
    int[] cl = new int[b];
    int[] rl = new int[b];
    for (int i = 0; i < b; i++) {
      EncodedExample e = examples.get(i);
      pl[i] = e.prompt().length;
      cl[i] = e.chosen().length;
      rl[i] = e.rejected().length;
      int off = i * s;
      put(ids, seg, label, pos, pred, off, 0, e.prompt(), 0, 0, -1);
      put(ids, seg, label, pos, pred, off, pl[i], e.chosen(), 1, pl[i], pl[i] - 1);
      put(ids, seg, label, pos, pred, off, pl[i] + cl[i], e.rejected(), 2, pl[i], pl[i] - 1);
    }
    return new SharedPrefixBatch(b, s, ids, seg, label, pos, pred, pl, cl, rl);
  }

  /** Writes one segment starting at column `at`; its first token is predicted from column `firstPredictor`. */
  private static void put(long[] ids, byte[] seg, byte[] label, long[] pos, int[] pred, int off, int at, int[] toks,
      int segment, int pos0, int firstPredictor) {
    for (int k = 0; k < toks.length; k++) {
      int c = off + at + k;
      ids[c] = toks[k];
      seg[c] = (byte) segment;
      label[c] = (byte) (segment == 0 ? 0 : 1);
      pos[c] = pos0 + k;
      pred[c] = k == 0 ? firstPredictor : at + k - 1;
    }
  }

  /** Whether token i of a row may attend to token j of the same row. */
  public boolean allowed(int row, int i, int j) {
    byte si = segment[row * seqLen + i];
    byte sj = segment[row * seqLen + j];
    return si >= 0 && sj >= 0 && j <= i && (sj == 0 || sj == si);
  }

  /** The full [b, s, s] boolean mask (1 = may attend), for kernels that take a dense mask. */
  public byte[] attentionMask() {
    byte[] m = new byte[pairs * seqLen * seqLen];
    for (int r = 0; r < pairs; r++) {
      for (int i = 0; i < seqLen; i++) {
        for (int j = 0; j <= i; j++) {
          m[(r * seqLen + i) * seqLen + j] = (byte) (allowed(r, i, j) ? 1 : 0);
        }
      }
    }
    return m;
  }
}
