package dev.lathe.engine.train.grpo;

import dev.lathe.engine.data.GrpoPrompt;
import dev.lathe.engine.align.GroupAdvantages;
import dev.lathe.engine.align.GrpoLoss;
import dev.lathe.engine.align.Losses;
import dev.lathe.engine.align.RefSync;
import dev.lathe.engine.generate.Generator;
import dev.lathe.engine.generate.Sampling;
import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.reward.Reward;
import dev.lathe.engine.reward.RewardRunner;
import dev.lathe.engine.text.Tokenizer;
import dev.lathe.engine.train.LoopSettings;
import dev.lathe.engine.train.RunResult;
import dev.lathe.engine.train.TrainLoop;
import dev.lathe.engine.train.methods.PolicyState;
import dev.lathe.engine.train.methods.ReferenceKind;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The GRPO/GDPO assembler (docs/design.md, "One assembler per method"): prompts, reward runner, loss and
 * settings in; the shared loop over GRPO's own feed and step out. Filled by the YAML binder or a recipe.
 */
public final class GrpoTraining {
  /** The policy (LoRA already added if wanted). */
  public CausalLM model;
  public GrpoLoss loss = Losses.grpo().build();
  public GrpoSettings grpo = new GrpoSettings();
  /** Only used when beta != 0; NONE picks adapter-disabled with LoRA, else a frozen copy. */
  public ReferenceKind reference = ReferenceKind.NONE;
  public Supplier<CausalLM> referenceCopy;
  public List<GrpoPrompt> prompts = List.of();
  /** Held-out prompts (val_set_size / test_datasets): generated and scored when an eval is due. Empty = no eval. */
  public List<GrpoPrompt> evalPrompts = List.of();
  /** Scores every round; the only caller of reward code. Closed by the caller. */
  public RewardRunner rewards;
  /** Decodes completions for the rewards and stop strings (null: reward functions see ids only). */
  public Tokenizer tokenizer;
  public Set<Integer> eosIds = Set.of();
  public int padId;
  public LoopSettings loop = new LoopSettings();
  /** TR-DPO style reference mixing (sync_ref_model); null = off. */
  public Double syncAlpha;
  public long syncSteps = RefSync.DEFAULT_SYNC_STEPS;
  public Path baseModelDir;
  /** Where rollouts come from; null = the in-process rollout engine on {@link #model}. */
  public dev.lathe.engine.generate.RolloutEngine rollouts;
  /** Custom multi-step rollouts (tools, environments) on the rollout engine; null = plain sampling. */
  public RolloutFunction rolloutFunction;
  public PrintStream log = System.err;

  public RunResult run() {
    if (model == null || rewards == null) throw new IllegalStateException("GRPO needs a model and a reward runner");
    if (prompts.isEmpty()) throw new IllegalArgumentException("GRPO needs prompts: the training set is empty");
    grpo.validate();
    if (loss.maxCompletionLength() != grpo.maxCompletionLength) {
      throw new IllegalStateException("the loss was built for max_completion_length " + loss.maxCompletionLength() + ", the run uses " + grpo.maxCompletionLength);
    }
    GrpoGeometry geo = GrpoGeometry.of(loop.validate().microBatchSize, loop.gradientAccumulationSteps, grpo, prompts.size());
    List<String> names = new ArrayList<>();
    List<Double> weights = new ArrayList<>();
    for (Reward r : rewards.rewards()) { names.add(r.name()); weights.add(r.weight()); }
    if (names.isEmpty()) throw new IllegalArgumentException("GRPO needs at least one reward function (trl.reward_funcs)");
    GroupAdvantages adv = Losses.grpoAdvantages(grpo.numGenerations, grpo.scaleRewards, grpo.aggregation, names, weights);
    Sampling sampling = new Sampling(grpo.maxCompletionLength, true, grpo.temperature, grpo.topK, grpo.topP, grpo.minP,
        grpo.repetitionPenalty, grpo.numGenerations, null, eosIds, grpo.stopStrings, true);
    try (GrpoReference ref = reference()) {
      CompletionLog clog = new CompletionLog(loop.outputDir, grpo, names, log);
      log.println("grpo: " + describe(geo));
      if (grpo.async != null) return runAsync(geo, sampling, adv, ref, clog, weights);
      GroupRecovery recovery = grpo.recovery.changesRounds() ? recovery(geo, weights) : null;
      RoundMaker maker = new RoundMaker(prompts, geo, grpo, engine(), sampling, rewards, adv, loop.seed, clog::accept, recovery);
      if (rolloutFunction != null) maker.withRollouts(rolloutFunction, tokenizer);
      return loop(new GrpoFeed(prompts, geo, grpo, maker, model, ref, padId).saving(recovery).countingSkips(skips()), ref, null, geo, sampling, adv);
    }
  }

  // the producer generates on a snapshot (SnapshotRollouts) and is refreshed after the loop's updates
  // dynamic sampling (stateless: its draws are seeded by round and attempt) and rollout functions (on the snapshot
  // engine, rows versioned by the snapshots they used) run in the producer; replay and re-rolls keep buffers that
  // would run ahead of the checkpointed cursor (GrpoSettings refuses them)
  private RunResult runAsync(GrpoGeometry geo, Sampling sampling, GroupAdvantages adv, GrpoReference ref, CompletionLog clog, List<Double> weights) {
    if (rollouts != null) throw new IllegalArgumentException("async_prefetch with a generation server (use_vllm) is not implemented yet; use in-process rollouts");
    var scored = AsyncRounds.stash();
    WeightSnapshots snaps = new WeightSnapshots(model);
    AsyncRounds[] self = new AsyncRounds[1];
    SnapshotRollouts engine = new SnapshotRollouts(snaps, tokenizer, padId, n -> self[0].minVersion(n));
    GroupRecovery recovery = grpo.recovery.changesRounds() ? recovery(geo, weights) : null;
    RoundMaker maker = new RoundMaker(prompts, geo, grpo, engine, sampling, rewards, adv, loop.seed, x -> scored.put(x.number(), x), recovery);
    if (rolloutFunction != null) maker.withRollouts(rolloutFunction, tokenizer).versionedByEngine();
    try (AsyncRounds producer = new AsyncRounds(maker, scored, snaps, grpo.async, geo, clog::accept, log)) {
      self[0] = producer;
      return loop(new GrpoFeed(prompts, geo, grpo, producer, true, model, ref, padId).countingSkips(skips()), ref, producer, geo, sampling, adv);
    }
  }

  private RunResult loop(GrpoFeed feed, GrpoReference ref, AsyncRounds producer, GrpoGeometry geo, Sampling sampling, GroupAdvantages adv) {
    var run = new TrainLoop<>(loop, new PolicyState(model, baseModelDir), new GrpoStep(model, loss, grpo.temperature, log, grpo.recovery.skipZeroAdvantageBatches), feed, null).log(log);
    if (syncAlpha != null) run.onStepEnd(step -> sync(ref, step));
    if (producer != null) run.onStepEnd(producer::afterUpdate);
    if (!evalPrompts.isEmpty()) {
      // in process on the live weights: never an async snapshot, and never a server whose weight versions
      // are tagged by rounds (an eval between syncs would score stale weights there)
      int g = grpo.numGenerationsEval != null ? grpo.numGenerationsEval : grpo.numGenerations;
      var live = new Generator(model, tokenizer, padId);
      run.evaluator(new GrpoEval(evalPrompts, live::generate, sampling.withSamples(g), rewards, adv, geo.perRoundPrompts())::run);
    }
    return run.run();
  }

  /** The rollout engine of synchronous rounds: the server when set, else in process on the policy. */
  private dev.lathe.engine.generate.RolloutEngine engine() {
    return rollouts != null ? rollouts : new Generator(model, tokenizer, padId)::generate;
  }

  /** The step skips all-zero-advantage micro-batches only when their gradient is exactly 0 (beta = 0). */
  private boolean skips() { return grpo.recovery.skipZeroAdvantageBatches && loss.beta() == 0; }

  /** Re-rolls start at the first round trained at or after update floor(reroll_start_fraction x total updates) (at least 1). */
  private GroupRecovery recovery(GrpoGeometry geo, List<Double> weights) {
    long perEpoch = Math.max(1, ((long) geo.roundsPerEpoch(prompts.size()) * geo.microStepsPerRound() + geo.accumulation() - 1) / geo.accumulation());
    long total = loop.maxSteps > 0 ? loop.maxSteps : (long) Math.ceil(loop.numEpochs * perEpoch);
    long startUpdate = Math.max(1, (long) Math.floor(grpo.recovery.rerollStartFraction * total));
    long startRound = (startUpdate * geo.accumulation() + geo.microStepsPerRound() - 1) / geo.microStepsPerRound();
    double[] w = weights.stream().mapToDouble(Double::doubleValue).toArray();
    if (grpo.recovery.rerolls()) log.println("grpo: deferred prompts are re-injected from round " + (startRound + 1) + " (update " + startUpdate + ")");
    return new GroupRecovery(grpo.recovery, w, prompts.size(), loop.seed, startRound);
  }

  static String describe(GrpoGeometry g) {
    return g.perRoundPrompts() + " prompts x " + g.numGenerations() + " completions = " + g.generationBatchSize() + " per round, "
        + g.stepsPerGeneration() + " micro-batches of " + g.microBatchSize() + ", " + g.numIterations() + " pass(es), "
        + g.accumulation() + " micro-batches per update" + (g.needsOldLogps() ? "; old log-probs kept (a round spans updates)" : "");
  }

  private GrpoReference reference() {
    if (!loss.needsReference()) return null;
    ReferenceKind k = reference != ReferenceKind.NONE ? reference : model.loraSpec() != null ? ReferenceKind.ADAPTER_DISABLED : ReferenceKind.FROZEN_COPY;
    return switch (k) {
      case ADAPTER_DISABLED -> GrpoReference.adapterDisabled(model);
      case FROZEN_COPY -> {
        if (referenceCopy == null) throw new IllegalStateException("beta != 0 without LoRA needs referenceCopy (a frozen copy of the base model)");
        yield GrpoReference.frozen(referenceCopy.get());
      }
      default -> throw new IllegalArgumentException("GRPO's reference is the adapter-disabled policy or a frozen copy, not " + k);
    };
  }

  private void sync(GrpoReference ref, long step) {
    if (!RefSync.due(step, syncSteps)) return;
    CausalLM r = ref == null ? null : ref.model();
    if (r == null) throw new IllegalStateException("sync_ref_model needs beta != 0 and a separate (frozen copy) reference model");
    RefSync.mix(new ArrayList<>(r.baseParameters().values()), new ArrayList<>(model.baseParameters().values()), syncAlpha);
  }
}
