package dev.lathe.engine.train;

/**
 * A method's forward pass over one micro-batch: the loss (with its graph, in the current scope)
 * and detached metrics under TRL's names. The loop does the backward, the accumulation and the update.
 */
@FunctionalInterface
public interface StepFunction<B> {
  StepOutput compute(B batch, PhaseTimer timer);
}
