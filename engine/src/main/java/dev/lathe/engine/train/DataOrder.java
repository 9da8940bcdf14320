package dev.lathe.engine.train;

import java.util.ArrayList;
import java.util.List;

/**
 * The order rows are visited in: per epoch a permutation seeded by (seed, epoch), cut into
 * micro-batches of consecutive rows. Being a pure function of (seed, epoch), it needs no saved state:
 * a resumed run rebuilds it and continues at the saved (epoch, micro-batch).
 */
final class DataOrder {
  private final int rows;
  private final int microBatchSize;
  private final long seed;
  private final boolean shuffle;
  private long cachedEpoch = -1;
  private int[] cached;

  DataOrder(int rows, int microBatchSize, long seed, boolean shuffle) {
    if (rows <= 0) throw new IllegalArgumentException("the training set is empty (0 rows after loading and filtering)");
    this.rows = rows;
    this.microBatchSize = microBatchSize;
    this.seed = seed;
    this.shuffle = shuffle;
  }

  /** Micro-batches per epoch; the last one may be smaller (no row is dropped). */
  long microBatchesPerEpoch() { return (rows + microBatchSize - 1) / microBatchSize; }

  int[] rows(long epoch, long microBatch) {
    int[] perm = permutation(epoch);
    int from = (int) (microBatch * microBatchSize);
    int to = Math.min(rows, from + microBatchSize);
    int[] out = new int[to - from];
    System.arraycopy(perm, from, out, 0, out.length);
    return out;
  }

  /** The next up-to-n micro-batches, advancing st's data position; a group never spans two epochs. */
  List<int[]> nextGroup(TrainState st, int n) {
    List<int[]> group = new ArrayList<>(n);
    long per = microBatchesPerEpoch();
    while (group.size() < n && st.microBatch < per) group.add(rows(st.epoch, st.microBatch++));
    if (st.microBatch >= per) {
      st.epoch++;
      st.microBatch = 0;
    }
    return group;
  }

  private int[] permutation(long epoch) {
    if (epoch == cachedEpoch) return cached;
    cached = EpochPermutation.of(rows, shuffle, seed, epoch);
    cachedEpoch = epoch;
    return cached;
  }
}
