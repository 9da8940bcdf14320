package dev.lathe.engine.train;

import dev.lathe.engine.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Updates parameters from their accumulated gradients. The learning rate is passed to each
 * {@link #step} by the loop (the schedule lives outside), so an optimizer holds only its moment
 * tensors, which it owns until {@link #close()}.
 */
public interface Optimizer extends AutoCloseable {
  /** One update with learning rate lr; parameters without a gradient are left untouched. */
  void step(double lr);

  /** Drops every gradient (set to none). */
  void zeroGrad();

  /** The parameters being optimised, in a fixed order. */
  List<Tensor> params();

  /** Number of updates applied so far. */
  long steps();

  /** The optimizer's tensors by name (for checkpoints); values are owned by the optimizer. */
  Map<String, Tensor> state();

  /** Restores tensors written by {@link #state()} and the update count; names must match. */
  void load(Map<String, Tensor> state, long steps);

  @Override
  void close();
}
