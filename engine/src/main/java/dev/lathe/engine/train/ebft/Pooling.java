package dev.lathe.engine.train.ebft;

import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;

/**
 * Structured mode's pooling of token features [b, s, d] into one vector per sequence, as weights over
 * the positions: each pooled vector is a weighted sum of token features (one weight row per output
 * part; concat has three parts). Real tokens are the positions whose mask is 1, so the last token is
 * found by the mask, not by sum(mask) − 1 (which only holds for right padding, ebft-nemogym.md §A.4).
 */
public final class Pooling {
  private Pooling() {}

  /**
   * @param mask [b][s] 1 on real tokens
   * @param promptLengths tokens of each sequence's prompt (completion_mean pools from there on; a
   *     sequence without completion tokens falls back to its last real token)
   * @return one [b][s] weight matrix per output part
   */
  public static List<float[][]> weights(EmbedMethod m, int[][] mask, int[] promptLengths) {
    int b = mask.length, s = mask[0].length;
    List<float[][]> parts = new ArrayList<>();
    int count = m == EmbedMethod.CONCAT ? 3 : 1;
    for (int k = 0; k < count; k++) parts.add(new float[b][s]);
    for (int i = 0; i < b; i++) {
      List<Integer> real = new ArrayList<>();
      for (int j = 0; j < s; j++) if (mask[i][j] != 0) real.add(j);
      if (real.isEmpty()) throw new IllegalArgumentException("sequence " + i + " has no real tokens to embed");
      int v = real.size();
      switch (m) {
        case LAST_TOKEN -> parts.get(0)[i][real.get(v - 1)] = 1;
        case MEAN_POOLING -> { for (int j : real) parts.get(0)[i][j] = 1f / v; }
        case COMPLETION_MEAN -> {
          List<Integer> c = real.subList(Math.min(promptLengths[i], v), v);
          if (c.isEmpty()) parts.get(0)[i][real.get(v - 1)] = 1;
          else for (int j : c) parts.get(0)[i][j] = 1f / c.size();
        }
        case CONCAT -> {
          parts.get(0)[i][real.get(Math.min(v / 4, v - 1))] = 1;
          parts.get(1)[i][real.get(Math.min(v / 2, v - 1))] = 1;
          parts.get(2)[i][real.get(Math.min(3 * v / 4, v - 1))] = 1;
        }
      }
    }
    return parts;
  }

  /** features [b, s, d] float32, weights from {@link #weights} -> [b, parts * d] float32. */
  public static Tensor pool(Tensor features, List<float[][]> weights) {
    List<Tensor> out = new ArrayList<>();
    long b = features.size(0), s = features.size(1);
    for (float[][] w : weights) {
      float[] flat = new float[(int) (b * s)];
      for (int i = 0; i < b; i++) System.arraycopy(w[i], 0, flat, (int) (i * s), (int) s);
      out.add(Tensors.of(flat, b, 1, s).bmm(features).squeeze(1)); // [b, 1, s] x [b, s, d] -> [b, d]
    }
    return out.size() == 1 ? out.get(0) : Tensors.cat(out, 1);
  }
}
