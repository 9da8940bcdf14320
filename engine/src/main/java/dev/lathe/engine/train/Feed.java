package dev.lathe.engine.train;

import java.util.List;

/**
 * Where the loop's micro-batches come from, one optimizer update at a time. Offline methods use
 * {@link #offline}: the seeded {@code DataOrder} over a {@link BatchSource}. An online method (GRPO)
 * supplies its own feed, which owns its prompt cursor and rollout buffer (docs/design.md, "Online RL:
 * the seams"); the loop stays method-blind. A feed with state also implements {@link Stateful} and is
 * saved inside the loop's atomic checkpoint write.
 */
public interface Feed<B> {
  /** Updates in one pass over the data (num_epochs, epoch progress and per-epoch cadences use it). */
  long updatesPerEpoch();

  /**
   * The micro-batches of the next update, each a list of row numbers {@link #batch} understands;
   * advances the feed (and st's data position, if the feed keeps it there). Never empty. Work done
   * here (generation, scoring) is timed by the feed in its own phases of the timer.
   */
  List<int[]> next(TrainState st, PhaseTimer timer);

  /** The micro-batch made of these rows, in this order (tensors owned by the current scope). */
  B batch(int[] rows);

  /** Tokens of the batch for TRL's cumulative num_tokens; 0 when unknown. */
  default long tokens(B batch) { return 0; }

  /** Fractional epoch, as transformers reports it. */
  double epochProgress(TrainState st);

  /** The offline feed: per epoch a seeded permutation of the rows, micro_batch_size rows per micro-batch. */
  static <B> Feed<B> offline(BatchSource<B> source, LoopSettings s) {
    DataOrder order = new DataOrder(source.size(), s.microBatchSize, s.seed, s.shuffle);
    // with N ranks an update is N x accumulation micro-batches of the one global order (DataParallel shards it)
    int ga = s.gradientAccumulationSteps * s.parallel.world();
    return new Feed<>() {
      public long updatesPerEpoch() { return (order.microBatchesPerEpoch() + ga - 1) / ga; }
      public List<int[]> next(TrainState st, PhaseTimer timer) { return order.nextGroup(st, ga); }
      public B batch(int[] rows) { return source.batch(rows); }
      public long tokens(B batch) { return source.tokens(batch); }
      public double epochProgress(TrainState st) { return st.epochProgress(order.microBatchesPerEpoch()); }
    };
  }
}
