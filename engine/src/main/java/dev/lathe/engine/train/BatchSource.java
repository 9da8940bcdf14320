package dev.lathe.engine.train;

/**
 * Rows the loop can draw micro-batches from. The loop decides the order (seeded shuffle per epoch)
 * and the grouping, so a micro-batch is just a list of row indices; the source turns them into
 * the method's batch type (tensors owned by the current scope).
 */
public interface BatchSource<B> {
  /** Number of rows (examples, pairs) in this split. */
  int size();

  /** The micro-batch made of these rows, in this order. */
  B batch(int[] rows);

  /** Number of tokens in the batch (for tokens/s); 0 when unknown. */
  default long tokens(B batch) { return 0; }
}
