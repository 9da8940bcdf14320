package dev.lathe.engine.train.methods;

import dev.lathe.engine.data.CompletionBatch;
import dev.lathe.engine.data.EncodedExample;
import dev.lathe.engine.train.BatchSource;
import java.util.ArrayList;
import java.util.List;

/**
 * A KTO micro-batch: the rows as (prompt, completion, label), and, when the loss needs the KL
 * anchor, the mismatched pairs TRL builds by rotating completions by one inside the micro-batch:
 * (x_1, y_n), (x_2, y_1), ..., (x_n, y_{n-1}).
 */
public record KtoRows(int[] rows, CompletionBatch batch, CompletionBatch mismatched) {
  public static BatchSource<KtoRows> source(List<EncodedExample> rows, int padId, boolean withKl, int offset) {
    return new BatchSource<>() {
      public int size() { return rows.size(); }

      public KtoRows batch(int[] idx) {
        List<EncodedExample> xs = new ArrayList<>(idx.length);
        for (int r : idx) xs.add(rows.get(r));
        int[] ids = new int[idx.length];
        for (int i = 0; i < idx.length; i++) ids[i] = idx[i] + offset;
        return new KtoRows(ids, CompletionBatch.of(xs, padId), withKl ? CompletionBatch.of(rotated(xs), padId) : null);
      }

      public long tokens(KtoRows b) {
        long n = 0;
        for (int l : b.batch().lengths()) n += l;
        return n;
      }
    };
  }

  static List<EncodedExample> rotated(List<EncodedExample> xs) {
    if (xs.size() < 2) {
      throw new IllegalArgumentException("KTO's KL term pairs each prompt with another row's completion inside the micro-batch: "
          + "micro_batch_size must be > 1 (or use loss_type apo_zero_unpaired)");
    }
    List<EncodedExample> out = new ArrayList<>(xs.size());
    for (int i = 0; i < xs.size(); i++) {
      EncodedExample x = xs.get(i);
      EncodedExample y = xs.get((i - 1 + xs.size()) % xs.size());
      out.add(new EncodedExample(x.row(), x.prompt(), new int[][] {y.completion()}));
    }
    return out;
  }
}
