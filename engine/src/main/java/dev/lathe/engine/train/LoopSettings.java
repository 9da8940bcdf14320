package dev.lathe.engine.train;

import java.nio.file.Path;

/**
 * Everything the shared loop needs to know, with Axolotl's meaning and defaults that make a working
 * run. A plain settings bag: the YAML binder and the Kotlin DSL fill it, {@link #validate()} checks it.
 */
public final class LoopSettings {
  public int microBatchSize = 1;
  public int gradientAccumulationSteps = 1;
  public double numEpochs = 1.0;
  /** Updates to run; overrides numEpochs when > 0. */
  public long maxSteps = -1;
  public double learningRate = 1e-6;
  public LrSchedule schedule = new LrSchedule.Cosine(LrSchedule.Warmup.NONE, 0.0);
  public OptimizerSpec optimizer = new OptimizerSpec.AdamW(AdamW.Settings.defaults());
  /** Global-norm gradient clipping; <= 0 disables it. */
  public double maxGradNorm = 1.0;
  /** Evaluate every N updates (0: once per epoch when there is an eval set). */
  public long evalSteps = 0;
  /** Evaluations per epoch when evalSteps is 0 (Axolotl's evals_per_epoch); default once per epoch. */
  public int evalsPerEpoch = 1;
  public int evalBatchSize = 0;
  public long loggingSteps = 1;
  /** Save a checkpoint every N updates (0: never during the run). */
  public long saveSteps = 0;
  /** Checkpoints per epoch when saveSteps is 0 (Axolotl's saves_per_epoch; 0 = none). */
  public int savesPerEpoch = 0;
  public int saveTotalLimit = 0;
  public long seed = 42;
  public boolean shuffle = true;
  public int earlyStoppingPatience = 0;
  public double lossWatchdogThreshold = 0;
  public int lossWatchdogPatience = 3;
  public boolean bf16 = false;
  public Path outputDir = Path.of("model-out");
  public Path resumeFromCheckpoint = null;
  public boolean autoResumeFromCheckpoints = false;
  /** Draw the progress bar on stderr. */
  public boolean progress = true;
  /** Write PNG plots at the end of the run. */
  public boolean plots = true;
  /** Data parallelism across processes (set by the launcher, not by YAML keys); one process by default. */
  public DataParallel parallel = DataParallel.SINGLE;

  public int effectiveEvalBatchSize() { return evalBatchSize > 0 ? evalBatchSize : microBatchSize; }

  /** Fails with the offending key (Axolotl's name) and value. */
  public LoopSettings validate() {
    positive("micro_batch_size", microBatchSize);
    positive("gradient_accumulation_steps", gradientAccumulationSteps);
    if (maxSteps <= 0 && !(numEpochs > 0)) throw bad("num_epochs", numEpochs, "> 0 (or set max_steps)");
    if (!(learningRate >= 0) || !Double.isFinite(learningRate)) throw bad("learning_rate", learningRate, "a finite number >= 0");
    if (Double.isNaN(maxGradNorm) || Double.isInfinite(maxGradNorm)) throw bad("max_grad_norm", maxGradNorm, "a finite number (<= 0 disables clipping)");
    if (!(lossWatchdogThreshold >= 0) || !Double.isFinite(lossWatchdogThreshold)) {
      throw bad("loss_watchdog_threshold", lossWatchdogThreshold, "a finite number >= 0 (0 disables the watchdog)");
    }
    optimizer(optimizer);
    if (loggingSteps < 1) throw bad("logging_steps", loggingSteps, ">= 1");
    if (evalSteps < 0) throw bad("eval_steps", evalSteps, ">= 0");
    if (saveSteps < 0) throw bad("save_steps", saveSteps, ">= 0");
    if (evalsPerEpoch < 0) throw bad("evals_per_epoch", evalsPerEpoch, ">= 0");
    if (savesPerEpoch < 0) throw bad("saves_per_epoch", savesPerEpoch, ">= 0");
    if (saveTotalLimit < 0) throw bad("save_total_limit", saveTotalLimit, ">= 0");
    if (earlyStoppingPatience < 0) throw bad("early_stopping_patience", earlyStoppingPatience, ">= 0");
    if (lossWatchdogPatience < 1) throw bad("loss_watchdog_patience", lossWatchdogPatience, ">= 1");
    if (outputDir == null) throw bad("output_dir", null, "a folder");
    if (parallel == null) throw new IllegalArgumentException("parallel must be DataParallel.SINGLE or a process group's, not null");
    return this;
  }

  // torch.optim's own range checks, named by Axolotl's keys: out of range, Adam's moments never
  // converge (beta >= 1) or the update divides by zero (eps = 0)
  private static void optimizer(OptimizerSpec o) {
    switch (o) {
      case null -> throw bad("optimizer", null, "an optimizer");
      case OptimizerSpec.AdamW a -> {
        unitInterval("adam_beta1", a.settings().beta1());
        unitInterval("adam_beta2", a.settings().beta2());
        double eps = a.settings().eps();
        if (!(eps > 0) || !Double.isFinite(eps)) throw bad("adam_epsilon", eps, "a finite number > 0");
        decay(a.settings().weightDecay());
      }
      case OptimizerSpec.Sgd g -> {
        if (!(g.momentum() >= 0) || !Double.isFinite(g.momentum())) throw bad("momentum", g.momentum(), "a finite number >= 0");
        decay(g.weightDecay());
      }
    }
  }

  private static void unitInterval(String key, double v) {
    if (!(v >= 0 && v < 1)) throw bad(key, v, "a number in [0, 1)");
  }

  private static void decay(double wd) {
    if (!(wd >= 0) || !Double.isFinite(wd)) throw bad("weight_decay", wd, "a finite number >= 0");
  }

  private static void positive(String key, long v) {
    if (v < 1) throw bad(key, v, ">= 1");
  }

  private static IllegalArgumentException bad(String key, Object v, String expected) {
    return new IllegalArgumentException(key + ": expected " + expected + ", found " + v);
  }
}
