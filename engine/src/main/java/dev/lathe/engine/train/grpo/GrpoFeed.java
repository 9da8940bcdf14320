package dev.lathe.engine.train.grpo;

import dev.lathe.engine.data.GrpoPrompt;
import dev.lathe.engine.align.GrpoInputs;
import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.train.Feed;
import dev.lathe.engine.train.PhaseTimer;
import dev.lathe.engine.train.Stateful;
import dev.lathe.engine.train.TrainState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GRPO's feed (docs/design.md, "Online RL: the seams"): owns the prompt cursor and the rollout buffer.
 * Each micro-step takes the next of the current round's S micro-batches; a new round is generated when
 * the last one has been visited mu times (TRL's _step % (S * mu) rule). Because the feed assembles a
 * whole update before the loop trains it, it knows the accumulation window exactly: its completions,
 * loss-mask tokens and micro-batches go into every batch for the loss normalisers.
 */
public final class GrpoFeed implements Feed<GrpoBatch>, Stateful {
  private final List<GrpoPrompt> prompts;
  private final GrpoGeometry geo;
  private final GrpoSettings s;
  private final RoundSource source;
  /** Rounds come from other weights (async snapshot, server): old log-probs are always computed at admission. */
  private final boolean offPolicy;
  private final CausalLM policy;
  private final GrpoReference reference;
  private final long padId;
  private final List<Micro> window = new ArrayList<>();
  private GrpoInputs.Window current;
  private long microSteps;
  private long rounds;
  private Round round;
  private Stateful buffers;
  private boolean countSkips;

  private record Micro(Round round, int chunk, boolean firstPass) {}

  GrpoFeed(List<GrpoPrompt> prompts, GrpoGeometry geo, GrpoSettings s, RoundMaker maker, CausalLM policy, GrpoReference reference, long padId) {
    this(prompts, geo, s, RoundSource.synchronous(maker), false, policy, reference, padId);
  }

  GrpoFeed(List<GrpoPrompt> prompts, GrpoGeometry geo, GrpoSettings s, RoundSource source, boolean offPolicy, CausalLM policy,
      GrpoReference reference, long padId) {
    this.prompts = prompts;
    this.geo = geo;
    this.s = s;
    this.source = source;
    this.offPolicy = offPolicy;
    this.policy = policy;
    this.reference = reference;
    this.padId = padId;
  }

  /** Also saved in (and restored from) checkpoints: the zero-variance recovery's queue and replay buffer. */
  GrpoFeed saving(Stateful more) {
    this.buffers = more;
    return this;
  }

  /** Log skipped_zero_adv_batches (the step skips micro-batches whose advantages are all 0). */
  GrpoFeed countingSkips(boolean on) {
    this.countSkips = on;
    return this;
  }

  @Override
  public long updatesPerEpoch() { return Math.max(1, (microStepsPerEpoch() + geo.accumulation() - 1) / geo.accumulation()); }

  private long microStepsPerEpoch() { return (long) geo.roundsPerEpoch(prompts.size()) * geo.microStepsPerRound(); }

  @Override
  public List<int[]> next(TrainState st, PhaseTimer timer) {
    window.clear();
    List<int[]> group = new ArrayList<>();
    int rows = 0;
    long tokens = 0;
    for (int i = 0; i < geo.accumulation(); i++) {
      int inRound = (int) (microSteps % geo.microStepsPerRound());
      if (inRound == 0 || round == null) round = newRound(st.step, timer);
      Micro m = new Micro(round, inRound % geo.stepsPerGeneration(), inRound < geo.stepsPerGeneration());
      window.add(m);
      List<RolloutRow> part = m.round().microBatch(m.chunk(), geo.microBatchSize());
      rows += part.size();
      tokens += GrpoBatch.lossTokens(part, s.maskTruncatedCompletions);
      group.add(new int[]{i});
      microSteps++;
    }
    current = new GrpoInputs.Window(rows, tokens, group.size());
    st.epoch = microSteps / microStepsPerEpoch();
    st.microBatch = microSteps % microStepsPerEpoch();
    return group;
  }

  @Override
  public GrpoBatch batch(int[] rows) {
    Micro m = window.get(rows[0]);
    boolean first = m.firstPass();
    Map<String, Double> metrics = first && m.chunk() == 0 ? m.round().metrics() : null;
    if (rows[0] == 0 && countSkips) { // once per update: how many of its micro-batches have no signal
      metrics = metrics == null ? new LinkedHashMap<>() : new LinkedHashMap<>(metrics);
      int skipped = 0;
      for (Micro x : window) if (allZero(x.round().microBatch(x.chunk(), geo.microBatchSize()))) skipped++;
      metrics.put("skipped_zero_adv_batches", (double) skipped);
    }
    return GrpoBatch.of(m.round().microBatch(m.chunk(), geo.microBatchSize()), prompts, padId, s.maskTruncatedCompletions, current, metrics, first);
  }

  static boolean allZero(List<RolloutRow> rows) {
    for (RolloutRow r : rows) if (r.advantage() != 0) return false;
    return true;
  }

  @Override
  public long tokens(GrpoBatch b) { return b.tokens(); }

  @Override
  public double epochProgress(TrainState st) { return (double) microSteps / microStepsPerEpoch(); }

  /**
   * Takes the next scored round, then adds the old (if needed) and reference (if beta != 0) log-probs,
   * computed now with the current weights (the proximal policy when the round comes from other weights).
   */
  private Round newRound(long updatesDone, PhaseTimer timer) {
    Round r = source.take(rounds++, updatesDone, timer);
    // a replayed row may carry its sampler's log-probs as old ones (replay_recompute_logps: false): then the whole round needs them
    boolean needsOld = geo.needsOldLogps() || offPolicy || r.rows().stream().anyMatch(x -> x.oldLogps() != null);
    if (!needsOld && reference == null) return r;
    List<RolloutRow> out = new ArrayList<>(r.rows().size());
    boolean was = policy.isTraining();
    policy.train(false);
    try {
      for (int c = 0; c < geo.stepsPerGeneration(); c++) {
        List<RolloutRow> part = r.microBatch(c, geo.microBatchSize());
        try (Scope sc = Scope.open()) {
          GrpoBatch b = GrpoBatch.of(part, prompts, padId, false, GrpoInputs.Window.single(part.size(), 0), null, false);
          float[][] old = null, ref = null;
          if (needsOld) {
            try (var ph = timer.phase("old_logps"); var g = Grad.disabled()) {
              old = rowsOf(TokenLogps.of(policy, b, s.temperature), part);
            }
          }
          if (reference != null) {
            try (var ph = timer.phase("reference")) {
              ref = rowsOf(reference.logps(b, s.temperature), part);
            }
          }
          for (int i = 0; i < part.size(); i++) {
            RolloutRow x = part.get(i);
            out.add(x.withLogps(x.oldLogps() != null ? x.oldLogps() : old == null ? null : old[i], ref == null ? null : ref[i]));
          }
        }
      }
    } finally {
      policy.train(was);
    }
    return new Round(r.number(), List.copyOf(out), r.metrics());
  }

  private static float[][] rowsOf(Tensor logps, List<RolloutRow> part) {
    float[] flat = logps.toFloat().contiguous().toFloatArray();
    int c = (int) logps.size(1);
    float[][] out = new float[part.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = new float[part.get(i).completion().length];
      System.arraycopy(flat, i * c, out[i], 0, out[i].length);
    }
    return out;
  }

  @Override
  public void save(Path dir) {
    RolloutState.write(dir, microSteps, rounds, round);
    if (buffers != null) buffers.save(dir);
  }

  @Override
  public void restore(Path dir) {
    RolloutState st = RolloutState.read(dir);
    microSteps = st.microSteps();
    rounds = st.rounds();
    round = st.round();
    if (buffers != null) buffers.restore(dir);
  }
}
