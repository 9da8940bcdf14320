package dev.lathe.engine.train;

import java.io.PrintStream;

/**
 * When a run ends before its last step: Axolotl's loss watchdog (loss above loss_watchdog_threshold
 * for loss_watchdog_patience steps in a row) and early stopping (eval_loss not improving for
 * early_stopping_patience evaluations). Counters live in {@link TrainState} so they survive resume.
 */
final class StopRules {
  private final LoopSettings s;
  private final PrintStream log;

  StopRules(LoopSettings s, PrintStream log) {
    this.s = s;
    this.log = log;
  }

  /** A reason to stop, or null. */
  String afterStep(TrainState st, double loss) {
    if (s.lossWatchdogThreshold <= 0 || Double.isNaN(loss)) return null;
    if (loss > s.lossWatchdogThreshold) {
      st.highLossSteps++;
      log.printf("loss %.4f above loss_watchdog_threshold %.4f (%d/%d)%n", loss, s.lossWatchdogThreshold,
          st.highLossSteps, s.lossWatchdogPatience);
    } else {
      st.highLossSteps = 0;
    }
    return st.highLossSteps >= s.lossWatchdogPatience
        ? "loss above loss_watchdog_threshold " + s.lossWatchdogThreshold + " for " + st.highLossSteps + " steps in a row"
        : null;
  }

  String afterEval(TrainState st, Double evalLoss) {
    if (evalLoss == null || !Double.isFinite(evalLoss)) return null;
    if (evalLoss < st.bestEvalLoss) {
      st.bestEvalLoss = evalLoss;
      st.evalsWithoutImprovement = 0;
      return null;
    }
    st.evalsWithoutImprovement++;
    if (s.earlyStoppingPatience > 0 && st.evalsWithoutImprovement >= s.earlyStoppingPatience) {
      return "eval_loss has not improved on " + st.bestEvalLoss + " for " + st.evalsWithoutImprovement + " evaluations (early_stopping_patience)";
    }
    return null;
  }
}
