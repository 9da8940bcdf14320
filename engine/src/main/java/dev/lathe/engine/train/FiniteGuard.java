package dev.lathe.engine.train;

import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import java.util.ArrayList;
import java.util.Map;

/**
 * The run-level half of the NaN/inf guard. The loop skips a single bad update (a poisoned row must
 * not end a run); this fails the run when skipping no longer helps: the weights themselves became
 * non-finite, {@link #STREAK} updates in a row were skipped (the model no longer yields finite losses or
 * gradients, e.g. after a learning rate of 1e30), or every update was skipped.
 */
final class FiniteGuard {
  static final int STREAK = 3;
  private final long firstStep;
  private final long skippedBefore;
  private long lastSkipped;
  private int streak;

  FiniteGuard(TrainState st) {
    firstStep = st.step;
    skippedBefore = st.skippedSteps;
    lastSkipped = st.skippedSteps;
  }

  /** After each update (st.step already advanced). */
  void afterStep(TrainState st, double lr) {
    boolean skipped = st.skippedSteps > lastSkipped;
    lastSkipped = st.skippedSteps;
    streak = skipped ? streak + 1 : 0;
    if (streak >= STREAK) {
      throw new TrainingFailedException("steps " + (st.step - streak + 1) + ".." + st.step + " were all skipped by the NaN/inf guard "
          + "(see the log above): the model no longer gives finite losses or gradients (learning_rate " + lr + "); "
          + "the run stops and no final weights are saved");
    }
  }

  /** At the end: a run whose every update was skipped trained nothing and must not look like a success. */
  void atEnd(TrainState st) {
    long ran = st.step - firstStep;
    if (ran > 0 && st.skippedSteps - skippedBefore == ran) {
      throw new TrainingFailedException("all " + ran + " step(s) were skipped by the NaN/inf guard (see the log above), so nothing "
          + "was trained and no weights are saved; check learning_rate and the rows the log names");
    }
  }

  /**
   * After an optimizer step: fails naming the first non-finite parameter. One fused norm over all
   * parameters per step; the per-tensor scan runs only when that norm is not finite.
   */
  static void checkWeights(Map<String, Tensor> params, long step, double lr, double gradNorm) {
    if (params.isEmpty()) return;
    try (Scope s = Scope.open(); var g = Grad.disabled()) {
      if (Double.isFinite(Tensors.norm2(new ArrayList<>(params.values())).item())) return;
      for (var e : params.entrySet()) {
        if (!e.getValue().isfinite().all().itemBool()) {
          throw new TrainingFailedException("step " + step + ": parameter '" + e.getKey() + "' is not finite after the optimizer step "
              + "(learning_rate " + lr + ", gradient norm " + gradNorm + "); the run stops and no weights are saved");
        }
      }
    }
  }
}
