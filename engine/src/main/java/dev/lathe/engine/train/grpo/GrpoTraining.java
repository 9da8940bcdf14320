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
      RoundMaker maker = new RoundMaker(prompts, geo, grpo, rollouts != null ? rollouts : new Generator(model, tokenizer, padId)::generate, sampling, rewards, adv, loop.seed, clog::accept);
      GrpoFeed feed = new GrpoFeed(prompts, geo, grpo, maker, model, ref, padId);
      log.println("grpo: " + describe(geo));
      var run = new TrainLoop<>(loop, new PolicyState(model, baseModelDir), new GrpoStep(model, loss, grpo.temperature, log), feed, null).log(log);
      if (syncAlpha != null) run.onStepEnd(step -> sync(ref, step));
      return run.run();
    }
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
