package dev.lathe.engine.data;

import java.util.ArrayList;
import java.util.List;

/**
 * Padding-free layout: every sequence of the batch back to back in one row [1, T], position ids
 * restarting at 0 for each sequence, and cuSeqlens (n+1 offsets, as varlen attention takes them)
 * marking where each starts. For pairs the sequences are [chosen_0..chosen_{b-1}, rejected_0..rejected_{b-1}],
 * the same order as PairBatch's rows; for KTO one sequence per example. No padding token is stored.
 */
public record PackedBatch(int sequences, long[] inputIds, byte[] labelMask, long[] positionIds, int[] cuSeqlens) {

  public int totalTokens() {
    return inputIds.length;
  }

  /** Which sequence token t belongs to. */
  public int sequenceOf(int t) {
    int lo = 0;
    int hi = sequences - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (cuSeqlens[mid] <= t) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  public static PackedBatch pairs(List<EncodedExample> examples) {
    List<int[][]> seqs = new ArrayList<>();
    for (EncodedExample e : examples) {
      seqs.add(new int[][] {e.prompt(), e.chosen()});
    }
    for (EncodedExample e : examples) {
      seqs.add(new int[][] {e.prompt(), e.rejected()});
    }
    return pack(seqs);
  }

  public static PackedBatch completions(List<EncodedExample> examples) {
    List<int[][]> seqs = new ArrayList<>();
    for (EncodedExample e : examples) {
      seqs.add(new int[][] {e.prompt(), e.completion()});
    }
    return pack(seqs);
  }

  private static PackedBatch pack(List<int[][]> seqs) {
    int total = 0;
    for (int[][] s : seqs) {
      total += s[0].length + s[1].length;
    }
    long[] ids = new long[total];
    byte[] label = new byte[total];
    long[] pos = new long[total];
    int[] cu = new int[seqs.size() + 1];
    byte[] attn = new byte[total];
    int off = 0;
    for (int i = 0; i < seqs.size(); i++) {
      cu[i] = off;
      off += PairBatch.fill(ids, attn, label, pos, off, seqs.get(i)[0], seqs.get(i)[1]);
    }
    cu[seqs.size()] = off;
    return new PackedBatch(seqs.size(), ids, label, pos, cu);
  }
}
