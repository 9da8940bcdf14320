package dev.lathe.engine.train;

import dev.lathe.engine.tensor.Autocast;
import dev.lathe.engine.tensor.Runtime;
import dev.lathe.engine.tensor.Scope;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * The loop every method shares: micro-batches with gradient accumulation, clipping, the LR schedule,
 * a NaN/inf guard, logging, evaluation, checkpoints, resume and the stop rules. A method supplies
 * a {@link StepFunction} (its forward and loss) and a {@link Feed} of micro-batches (offline methods:
 * the seeded order over a {@link BatchSource}); the loop never knows which method runs. A feed or step
 * that implements {@link Stateful} is saved in every checkpoint and restored on resume.
 */
public final class TrainLoop<B> {
  private final LoopSettings s;
  private final Trainable model;
  private final StepFunction<B> step;
  private final Feed<B> train;
  private final BatchSource<B> eval;
  private final List<LongConsumer> stepHooks = new ArrayList<>();
  private java.util.function.LongFunction<Map<String, Double>> evaluator;
  private final PhaseTimer timer = new PhaseTimer();
  private PrintStream log = System.err;
  private MetricReducer reducer = MetricReducer.MEAN;
  private final DataParallel dp;
  /** The eval loss travels with the method's metrics when eval batches are gathered from the ranks. */
  private static final String EVAL_LOSS = "\u0000loss";

  public TrainLoop(LoopSettings settings, Trainable model, StepFunction<B> step, BatchSource<B> train, BatchSource<B> eval) {
    this(settings, model, step, Feed.offline(train, settings.validate()), eval);
  }

  /** A loop over a method's own feed (online methods); eval may be null. */
  public TrainLoop(LoopSettings settings, Trainable model, StepFunction<B> step, Feed<B> train, BatchSource<B> eval) {
    this.s = settings.validate();
    this.model = model;
    this.step = step;
    this.train = train;
    this.eval = eval != null && eval.size() > 0 ? eval : null;
    this.dp = s.parallel;
  }

  /** Runs after each update with the new step number (e.g. TR-DPO's reference sync). */
  public TrainLoop<B> onStepEnd(LongConsumer hook) { stepHooks.add(hook); return this; }

  public TrainLoop<B> log(PrintStream out) { this.log = out; return this; }

  /**
   * A method's own evaluation, for methods whose eval is not a loss over fixed batches (GRPO generates and
   * scores): called with the step when an eval is due (eval_steps / evals_per_epoch, and at the end), in
   * eval mode without grad; its metrics are logged prefixed eval_. Used instead of an eval BatchSource.
   */
  public TrainLoop<B> evaluator(java.util.function.LongFunction<Map<String, Double>> f) { this.evaluator = f; return this; }

  /** How a method's per-micro-batch metrics become logged values (default: TRL's mean). */
  public TrainLoop<B> reduceMetrics(MetricReducer r) { this.reducer = r; return this; }

  public PhaseTimer timer() { return timer; }

  public RunResult run() {
    long perEpoch = train.updatesPerEpoch();
    long total = s.maxSteps > 0 ? s.maxSteps : (long) Math.ceil(s.numEpochs * perEpoch);
    if (dp.writes()) {
      mkdirs(s.outputDir);
      for (Path p : Checkpoints.sweepAbandoned(s.outputDir)) log.println("removed " + p.getFileName() + ", a checkpoint save that was killed mid-write");
    }
    try (Optimizer opt = s.optimizer.build(model.parameters())) {
      Path from = resumePoint();
      TrainState st = from != null ? Checkpoints.restore(from, model, opt) : new TrainState();
      FiniteGuard guard = new FiniteGuard(st);
      if (from != null) {
        for (Stateful x : stateful()) x.restore(from);
        log.println("resuming at step " + st.step + " from " + from);
      }
      else Runtime.seed(s.seed);
      st.totalSteps = total;
      dp.start(opt.params(), "micro_batch_size " + s.microBatchSize + ", " + perEpoch + " updates per epoch, " + total
          + " steps, starting at step " + st.step);
      StopRules rules = new StopRules(s, log);
      MetricWindow window = new MetricWindow();
      Map<String, Double> lastEval = Map.of();
      try (MetricsLog metrics = dp.writes() ? new MetricsLog(s.outputDir.resolve("metrics.jsonl"), from != null ? st.step : -1)
          : MetricsLog.inMemory()) {
        ProgressBar bar = new ProgressBar("train", total, st.step, log);
        String stop = null;
        while (st.step < total && stop == null) {
          List<int[]> group;
          try (var p = timer.phase("data")) {
            group = train.next(st, timer);
          }
          double loss = update(group, opt, st, total, window);
          st.step++;
          guard.afterStep(st, s.learningRate * s.schedule.factor(st.step - 1, total));
          for (LongConsumer h : stepHooks) h.accept(st.step);
          double epoch = train.epochProgress(st);
          if (st.step % s.loggingSteps == 0 || st.step == total) {
            Map<String, Double> values = window.gather(dp).drain("", reducer);
            if (st.numTokens > 0) values.put("num_tokens", (double) st.numTokens);
            metrics.write(row(st.step, epoch, values));
          }
          stop = rules.afterStep(st, loss);
          boolean evaluates = eval != null || evaluator != null;
          boolean evalDue = evaluates && every(st.step, s.evalSteps, s.evalsPerEpoch, perEpoch);
          if (evaluates && (evalDue || st.step == total || stop != null)) {
            lastEval = eval != null ? evaluate() : evaluateWith(st.step);
            metrics.write(row(st.step, epoch, lastEval));
            if (stop == null) stop = rules.afterEval(st, lastEval.get("eval_loss"));
          }
          if (dp.writes() && every(st.step, s.saveSteps, s.savesPerEpoch, perEpoch)) {
            try (var p = timer.phase("checkpoint")) {
              Checkpoints.save(s.outputDir, st, epoch, model, opt, s.saveTotalLimit, dir -> stateful().forEach(x -> x.save(dir)));
            }
          }
          if (s.progress && dp.writes()) bar.update(st.step, String.format("loss %.4f", loss));
        }
        if (s.progress && dp.writes()) bar.finish();
        guard.atEnd(st);
        return finish(st, stop, metrics, lastEval);
      }
    }
  }

  private List<Stateful> stateful() {
    List<Stateful> out = new ArrayList<>();
    if (train instanceof Stateful f) out.add(f);
    if (step instanceof Stateful f) out.add(f);
    return out;
  }

  /**
   * One optimizer update over a group of micro-batches (with several ranks, this rank's shard of it);
   * returns the update's loss over the whole group: the mean micro-batch loss, or their sum when the
   * step normalises over the update itself (what was back-propagated).
   */
  private double update(List<int[]> group, Optimizer opt, TrainState st, long total, MetricWindow window) {
    model.setTraining(true);
    double sum = 0;
    List<int[]> bad = new ArrayList<>();
    long tokensBefore = st.numTokens;
    for (int[] rows : dp.shard(group)) {
      double l = microBatch(rows, group.size(), window, st);
      if (Double.isFinite(l)) sum += l;
      else bad.add(rows);
    }
    // one small reduction per update: the loss sum, the non-finite count and the tokens of every rank
    double[] g;
    try (var c = collectives()) {
      g = dp.sum(new double[]{sum, bad.size(), st.numTokens - tokensBefore});
    }
    sum = g[0];
    st.numTokens = tokensBefore + (long) g[2];
    try (var p = timer.phase("optimizer"); Scope sc = Scope.open()) {
      if (g[1] == 0) {
        try (var c = collectives()) {
          dp.reduceGradients(opt.params());
        }
      }
      double norm = g[1] == 0 ? GradClip.clip(opt.params(), s.maxGradNorm) : Double.NaN;
      if (g[1] > 0 || !Double.isFinite(norm)) {
        opt.zeroGrad();
        st.skippedSteps++;
        log.println("step " + (st.step + 1) + " skipped: " + (g[1] == 0 ? "gradient norm is " + norm
            : "loss is not finite for rows " + (bad.isEmpty() ? "on another rank" : GradClip.describe(bad)))
            + " (rows of this step: " + GradClip.describe(group) + ")");
        window.add("skipped_steps", 1);
        return Double.NaN;
      }
      double lr = s.learningRate * s.schedule.factor(st.step, total);
      opt.step(lr);
      opt.zeroGrad();
      FiniteGuard.checkWeights(model.parameters(), st.step + 1, lr, norm);
      window.add("grad_norm", norm);
      window.add("learning_rate", lr);
    }
    double mean = step.normalisesOverUpdate() ? sum : sum / group.size();
    window.add("loss", mean);
    return mean;
  }

  /** Time spent in collectives, its own phase when there is more than one rank. */
  private PhaseTimer.Phase collectives() {
    return dp.world() > 1 ? timer.phase("all-reduce") : () -> {};
  }

  /** Forward and backward of one micro-batch in its own scope; its loss is scaled by 1/group size unless the step normalises. */
  private double microBatch(int[] rows, int groupSize, MetricWindow window, TrainState st) {
    try (Scope sc = Scope.open()) {
      B batch;
      try (var p = timer.phase("data")) {
        batch = train.batch(rows);
      }
      StepOutput out;
      try (var p = timer.phase("policy"); var a = Autocast.of(s.bf16)) {
        out = step.compute(batch, timer);
      }
      double l = out.loss().item();
      if (!Double.isFinite(l)) return l;
      try (var p = timer.phase("policy")) {
        (step.normalisesOverUpdate() ? out.loss() : out.loss().div(groupSize)).backward();
        model.afterBackward(); // gradient checkpointing: backward through the recomputed layers
      }
      window.addMethod(out.metrics());
      st.numTokens += train.tokens(batch);
      return l;
    }
  }

  /** Loss and metrics over the whole eval set (mean over eval batches), prefixed eval_. */
  private Map<String, Double> evaluate() {
    try (var p = timer.phase("eval"); var g = dev.lathe.engine.tensor.Grad.disabled()) {
      model.setTraining(false);
      int bs = s.effectiveEvalBatchSize();
      List<int[]> batches = new ArrayList<>();
      for (int from = 0; from < eval.size(); from += bs) {
        int[] rows = new int[Math.min(bs, eval.size() - from)];
        for (int i = 0; i < rows.length; i++) rows[i] = from + i;
        batches.add(rows);
      }
      List<Map<String, Double>> local = new ArrayList<>();
      for (int[] rows : dp.shard(batches)) {
        try (Scope sc = Scope.open(); var a = Autocast.of(s.bf16)) {
          StepOutput out = step.compute(eval.batch(rows), timer);
          Map<String, Double> m = new LinkedHashMap<>(out.metrics());
          m.put(EVAL_LOSS, out.loss().item());
          local.add(m);
        }
      }
      MetricWindow w = new MetricWindow();
      for (Map<String, Double> m : dp.gather(local)) {
        Map<String, Double> metrics = new LinkedHashMap<>(m);
        w.add("loss", metrics.remove(EVAL_LOSS));
        w.addMethod(metrics);
      }
      model.setTraining(true);
      return w.drain("eval_", reducer);
    }
  }

  private Map<String, Double> evaluateWith(long step) {
    try (var p = timer.phase("eval"); var g = dev.lathe.engine.tensor.Grad.disabled(); Scope sc = Scope.open()) {
      model.setTraining(false);
      Map<String, Double> out = new LinkedHashMap<>();
      evaluator.apply(step).forEach((k, v) -> out.put("eval_" + k, v));
      return out;
    } finally {
      model.setTraining(true);
    }
  }

  /** Due every `steps` updates, or at `timesPerEpoch` evenly spaced updates of each epoch when steps is 0. */
  static boolean every(long step, long steps, int timesPerEpoch, long updatesPerEpoch) {
    if (steps > 0) return step % steps == 0;
    long inEpoch = (step - 1) % updatesPerEpoch + 1;
    for (int k = 1; k <= timesPerEpoch; k++) {
      if (Math.max(1, Math.round((double) k * updatesPerEpoch / timesPerEpoch)) == inEpoch) return true;
    }
    return false;
  }

  private Path resumePoint() {
    if (s.resumeFromCheckpoint != null) return s.resumeFromCheckpoint;
    return s.autoResumeFromCheckpoints ? Checkpoints.latest(s.outputDir) : null;
  }

  private RunResult finish(TrainState st, String stop, MetricsLog metrics, Map<String, Double> lastEval) {
    if (dp.writes()) {
      try (var p = timer.phase("save")) {
        model.save(s.outputDir);
        if (s.plots) RunPlots.write(metrics.history(), s.outputDir.resolve("plots"));
      }
    }
    timer.stop();
    if (stop != null) log.println("stopped early at step " + st.step + ": " + stop);
    if (st.skippedSteps > 0) log.println(st.skippedSteps + " step(s) skipped by the NaN/inf guard");
    log.println("time per phase: " + timer.summary());
    return new RunResult(st.step, stop, metrics.history(), lastEval, timer.secondsByPhase(), s.outputDir);
  }

  private static Map<String, Object> row(long step, double epoch, Map<String, Double> values) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("step", step);
    r.put("epoch", Math.round(epoch * 1e4) / 1e4);
    r.putAll(values);
    return r;
  }

  private static void mkdirs(Path dir) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) throw new IllegalArgumentException("output_dir: expected a folder, found a file at " + dir);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create output_dir " + dir + ": " + e.getMessage(), e);
    }
  }
}
