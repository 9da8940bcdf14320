package dev.lathe.engine.train.methods;

import dev.lathe.engine.data.EncodedExample;
import dev.lathe.engine.data.PairBatch;
import dev.lathe.engine.train.BatchSource;
import java.util.ArrayList;
import java.util.List;

/**
 * A micro-batch of preference pairs: the ids of the rows it holds and their padded [2b, s] layout.
 * Row ids are global across splits (train 0..n-1, eval n..n+m-1) so per-row tables (precomputed
 * reference log-probs, margins) can cover both.
 */
public record PairRows(int[] rows, PairBatch batch) {
  /** Pairs as a loop data source whose row ids start at offset. */
  public static BatchSource<PairRows> source(List<EncodedExample> pairs, int padId, int offset) {
    return new BatchSource<>() {
      public int size() { return pairs.size(); }

      public PairRows batch(int[] rows) {
        List<EncodedExample> xs = new ArrayList<>(rows.length);
        for (int r : rows) xs.add(pairs.get(r));
        int[] ids = new int[rows.length];
        for (int i = 0; i < rows.length; i++) ids[i] = rows[i] + offset;
        return new PairRows(ids, PairBatch.of(xs, padId));
      }

      public long tokens(PairRows b) {
        long n = 0;
        for (int l : b.batch().lengths()) n += l;
        return n;
      }
    };
  }
}
