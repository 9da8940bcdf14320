package dev.lathe.engine.train;

/**
 * A method's forward pass over one micro-batch: the loss (with its graph, in the current scope)
 * and detached metrics under TRL's names. The loop does the backward, the accumulation and the update.
 * A step with state a resumed run needs also implements {@link Stateful}.
 */
@FunctionalInterface
public interface StepFunction<B> {
  StepOutput compute(B batch, PhaseTimer timer);

  /**
   * True when each micro-batch's loss is already normalised over the whole update (e.g. GRPO's dapo:
   * token sum / tokens of the accumulation window), so the loop must not divide it by the number of
   * micro-batches again. The logged loss is then the sum of the update's micro-batch losses.
   */
  default boolean normalisesOverUpdate() { return false; }
}
