package dev.lathe.engine.train.methods;

import dev.lathe.engine.data.EncodedExample;
import dev.lathe.engine.data.PackedBatch;
import dev.lathe.engine.data.PairBatch;
import dev.lathe.engine.data.PairLayout;
import dev.lathe.engine.train.BatchSource;
import java.util.ArrayList;
import java.util.List;

/**
 * A micro-batch of preference pairs: the ids of the rows it holds, their padded [2b, s] layout (the frame
 * results are read in) and the packed layout the forward runs, or null to run the padded rows.
 * Row ids are global across splits (train 0..n-1, eval n..n+m-1) so per-row tables (precomputed
 * reference log-probs, margins) can cover both.
 */
public record PairRows(int[] rows, PairBatch batch, PackedBatch packed) {
  /** Padded: the forward runs the [2b, s] rows. */
  public PairRows(int[] rows, PairBatch batch) { this(rows, batch, null); }

  /** As the step's forward sees them. */
  public SeqTensors tensors() { return SeqTensors.of(batch, packed); }

  /** Pairs as a padded loop data source (reward models read the padded rows). */
  public static BatchSource<PairRows> source(List<EncodedExample> pairs, int padId, int offset) {
    return source(pairs, padId, offset, PairLayout.PADDED);
  }

  /** Pairs as a loop data source whose row ids start at offset, laid out for the forward as layout says. */
  public static BatchSource<PairRows> source(List<EncodedExample> pairs, int padId, int offset, PairLayout layout) {
    return new BatchSource<>() {
      public int size() { return pairs.size(); }

      public PairRows batch(int[] rows) {
        List<EncodedExample> xs = new ArrayList<>(rows.length);
        for (int r : rows) xs.add(pairs.get(r));
        int[] ids = new int[rows.length];
        for (int i = 0; i < rows.length; i++) ids[i] = rows[i] + offset;
        return new PairRows(ids, PairBatch.of(xs, padId), layout.pack(xs));
      }

      public long tokens(PairRows b) {
        long n = 0;
        for (int l : b.batch().lengths()) n += l;
        return n;
      }
    };
  }
}
