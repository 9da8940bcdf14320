package dev.lathe.engine.generate;

import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Picks the next token of every live row from its logits [rows, v]: rows are grouped by their
 * Sampling (each request brings its own), each group goes through {@link LogitsProcessor} once,
 * then argmax (greedy) or one multinomial draw. Returns token, log-prob and kept-set threshold per row.
 */
final class Sampler {
  private Sampler() {}

  record Picks(long[] tokens, float[] logprobs, float[] thresholds) {}

  static Picks pick(Tensor logits, List<LiveRow> rows) {
    int n = rows.size();
    Map<Sampling, List<Integer>> groups = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) groups.computeIfAbsent(rows.get(i).sampling(), k -> new ArrayList<>()).add(i);
    Picks out = new Picks(new long[n], new float[n], new float[n]);
    for (var g : groups.entrySet()) {
      List<Integer> idx = g.getValue();
      Tensor x = idx.size() == n ? logits : logits.indexSelect(0, Tensors.of(longs(idx)));
      Sampling s = g.getKey();
      Tensor history = s.repetitionPenalty() != 1 ? history(rows, idx) : null;
      List<RowRandom> randoms = randoms(s, idx.stream().map(i -> rows.get(i).state).toList());
      Tensor[] picked = pickGroup(x, history, s, randoms); // [n] token, log-prob, threshold (float32)
      float[] all = Tensors.stack(List.of(picked), 0).toFloatArray(); // one transfer: ids < 2^24 are exact
      int m = idx.size();
      long[] t = new long[m];
      float[] l = new float[m];
      float[] tau = new float[m];
      for (int j = 0; j < m; j++) {
        t[j] = (long) all[j];
        l[j] = all[m + j];
        tau[j] = all[2 * m + j];
      }
      for (int j = 0; j < idx.size(); j++) {
        out.tokens[idx.get(j)] = t[j];
        out.logprobs[idx.get(j)] = l[j];
        out.thresholds[idx.get(j)] = tau[j];
      }
    }
    return out;
  }

  private static Tensor[] pickGroup(Tensor x, Tensor history, Sampling s, List<RowRandom> randoms) {
    LogitsProcessor.Candidates c = LogitsProcessor.candidates(x, history, s);
    if (c != null) { // top-k: draw among the k+1 candidates only
      Tensor probs = c.values().softmax(1);
      Tensor j = randoms == null ? Tensors.multinomial(probs, 1, false) // [n, 1]
          : RowRandom.drawAmong(probs, c.ids(), x.size(1), randoms);
      Tensor lp = c.values().logSoftmax(1).gather(1, j).squeeze(1);
      return new Tensor[]{c.ids().gather(1, j).squeeze(1).toFloat(), lp, c.threshold()};
    }
    LogitsProcessor.Processed p = LogitsProcessor.process(x, history, s);
    Tensor[] picked = next(p, s, randoms);
    return new Tensor[]{picked[0].toFloat(), picked[1], p.threshold()};
  }

  /**
   * The next token of every row from its processed full-vocabulary logits [n, v], greedy or drawn (each row's own
   * stream when seeded, else the global generator), and its log-prob: {token [n] int64, log-prob [n]}.
   */
  static Tensor[] next(LogitsProcessor.Processed p, Sampling s, List<RowRandom> randoms) {
    Tensor next = s.greedy() ? p.logits().argmax(1, false)
        : randoms == null ? Tensors.multinomial(p.logits().softmax(1), 1, false).squeeze(1)
        : RowRandom.draw(p.logits().softmax(1), randoms);
    Tensor lp = p.logits().logSoftmax(1).gather(1, next.unsqueeze(1)).squeeze(1);
    return new Tensor[]{next, lp};
  }

  /** The rows' own random streams when the request is seeded, else null (draws from the global generator). */
  static List<RowRandom> randoms(Sampling s, List<RowState> rows) {
    return s.seed() == null ? null : rows.stream().map(r -> r.random).toList();
  }

  // [rows, longest] ids seen per row; short rows repeat their first id (gather/scatter of a seen id is harmless)
  private static Tensor history(List<LiveRow> rows, List<Integer> idx) {
    int[][] h = new int[idx.size()][];
    int longest = 0;
    for (int j = 0; j < h.length; j++) {
      h[j] = rows.get(idx.get(j)).history();
      longest = Math.max(longest, h[j].length);
    }
    long[] flat = new long[h.length * longest];
    for (int j = 0; j < h.length; j++) {
      for (int k = 0; k < longest; k++) flat[j * longest + k] = h[j][k < h[j].length ? k : 0];
    }
    return Tensors.of(flat, h.length, longest);
  }

  static long[] longs(List<Integer> xs) {
    long[] out = new long[xs.size()];
    for (int i = 0; i < out.length; i++) out[i] = xs.get(i);
    return out;
  }
}
