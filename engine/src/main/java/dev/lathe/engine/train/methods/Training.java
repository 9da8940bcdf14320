package dev.lathe.engine.train.methods;

import dev.lathe.engine.align.AlignLoss;
import dev.lathe.engine.align.KtoLoss;
import dev.lathe.engine.align.KtoMetrics;
import dev.lathe.engine.align.PairLoss;
import dev.lathe.engine.align.RefSync;
import dev.lathe.engine.align.RewardLoss;
import dev.lathe.engine.data.EncodedExample;
import dev.lathe.engine.data.PairLayout;
import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.model.LanguageModel;
import dev.lathe.engine.model.SequenceClassifier;
import dev.lathe.engine.train.LoopSettings;
import dev.lathe.engine.train.RunResult;
import dev.lathe.engine.train.TrainLoop;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * One training run = the shared loop + a method's step (chosen by the loss's type) + a reference
 * strategy + a data source. Filled by the YAML binding or a recipe; {@link #run()} composes and runs it.
 */
public final class Training {
  /** The policy: a CausalLM (LoRA already added if wanted), or a SequenceClassifier for reward modelling. */
  public LanguageModel model;
  public AlignLoss loss;
  public ReferenceKind reference = ReferenceKind.NONE;
  /** Loads a second copy of the base model (FROZEN_COPY). */
  public Supplier<CausalLM> referenceCopy;
  /** Folder of precomputed reference log-probs and the key (hash of model, tokenizer, data, lengths). */
  public Path referenceCacheDir;
  public String referenceCacheKey;
  public List<EncodedExample> train = List.of();
  public List<EncodedExample> eval = List.of();
  public int padId;
  /** Per-row margins for reward modelling (train rows, then eval rows), or null. */
  public double[] margins;
  public LoopSettings loop = new LoopSettings();
  /** TR-DPO: mixup alpha and sync steps; null = off. */
  public Double syncAlpha;
  public long syncSteps = RefSync.DEFAULT_SYNC_STEPS;
  public Path baseModelDir;
  /** dpo_padding_free: pair batches run packed, without padding. */
  public boolean paddingFree;
  /** dpo_shared_prompt: the prompt's forward shared by chosen and rejected; null = the default ({@link PairLayout#choose}). */
  public Boolean sharedPrompt;
  public PrintStream log = System.err;

  public RunResult run() {
    if (model == null || loss == null) throw new IllegalStateException("a training needs a model and a loss");
    if (syncAlpha != null && model.loraSpec() != null) {
      throw new IllegalArgumentException("sync_ref_model (TR-DPO) with adapter: lora is not supported: the policy's trained weights are "
          + "its adapters, which a base-model reference cannot take in (TRL refuses it too); train the full model");
    }
    checkVocabulary();
    return switch (loss) {
      case PairLoss p -> runPairs(policy(), p);
      case KtoLoss k -> runKto(policy(), k);
      case RewardLoss r -> runReward(r);
    };
  }

  /** Token ids past the embedding would fail inside the forward as "index out of range in self": name the row instead. */
  private void checkVocabulary() {
    int vocab = model.spec().vocabSize();
    for (List<EncodedExample> part : List.of(train, eval)) {
      for (EncodedExample e : part) {
        int max = Math.max(0, maxId(e.prompt()));
        for (int[] c : e.completions()) max = Math.max(max, maxId(c));
        if (max >= vocab || padId >= vocab) {
          throw new IllegalArgumentException("row " + e.row().origin() + ": token id " + Math.max(max, padId) + " is past the model's vocabulary ("
              + "vocab_size " + vocab + " in its config.json): the tokenizer does not belong to this model");
        }
      }
    }
  }

  private static int maxId(int[] ids) {
    int m = -1;
    for (int x : ids) m = Math.max(m, x);
    return m;
  }

  private CausalLM policy() {
    if (model instanceof CausalLM c) return c;
    throw new IllegalArgumentException(loss.method() + " trains a causal LM; the model is a " + model.architecture());
  }

  private RunResult runPairs(CausalLM policy, PairLoss pl) {
    PairLayout layout = pairLayout(policy);
    try (Reference ref = reference(policy, pl)) {
      var loopRun = new TrainLoop<>(loop, state(policy, ref), new PairStep(policy, pl, ref),
          PairRows.source(train, padId, 0, layout), PairRows.source(eval, padId, train.size(), layout)).log(log);
      if (syncAlpha != null) loopRun.onStepEnd(step -> sync(ref, policy, step));
      return loopRun.run();
    }
  }

  /** The layout pair batches run in (the rule is PairLayout's; this only reads the run's settings). */
  public PairLayout pairLayout(CausalLM policy) {
    return PairLayout.choose(paddingFree, sharedPrompt, policy.loraSpec() == null ? 0.0 : policy.loraSpec().dropout());
  }

  private RunResult runKto(CausalLM policy, KtoLoss kl) {
    if (reference == ReferenceKind.PRECOMPUTED) {
      throw new IllegalArgumentException("precompute_ref_log_probs is not supported for KTO (its KL pairs depend on the micro-batch)");
    }
    try (Reference ref = reference(policy, kl)) {
      var loopRun = new TrainLoop<>(loop, state(policy, ref), new KtoStep(policy, kl, ref),
          KtoRows.source(train, padId, kl.needsKl(), 0), KtoRows.source(eval, padId, kl.needsKl(), train.size()))
          .log(log).reduceMetrics(KtoMetrics::reduce);
      if (syncAlpha != null) loopRun.onStepEnd(step -> sync(ref, policy, step));
      return loopRun.run();
    }
  }

  private RunResult runReward(RewardLoss rl) {
    if (!(model instanceof SequenceClassifier rm)) {
      throw new IllegalArgumentException("reward modelling needs a sequence classifier (model_type: AutoModelForSequenceClassification, num_labels: 1)");
    }
    if (rm.loraSpec() != null) throw new IllegalArgumentException("reward modelling with adapter: lora is not supported; train the full model");
    return new TrainLoop<>(loop, new PolicyState(rm, baseModelDir), new RewardStep(rm, rl, margins),
        PairRows.source(train, padId, 0), PairRows.source(eval, padId, train.size())).log(log).run();
  }

  /** The reference strategy for this run (null when the loss needs none). */
  private Reference reference(CausalLM policy, AlignLoss l) {
    if (l.isReferenceFree()) return null;
    return switch (reference) {
      case NONE -> throw new IllegalArgumentException(l.method() + " needs a reference model, but none was chosen");
      case ADAPTER_DISABLED -> Reference.adapterDisabled(policy);
      case FROZEN_COPY -> {
        if (referenceCopy == null) throw new IllegalStateException("FROZEN_COPY needs referenceCopy");
        yield Reference.frozen(referenceCopy.get());
      }
      case PRECOMPUTED -> precompute(policy);
    };
  }

  /** Computed before any update, so the policy itself (adapters off when it has LoRA) is the reference. */
  private Reference precompute(CausalLM policy) {
    if (referenceCacheDir == null || referenceCacheKey == null) throw new IllegalStateException("PRECOMPUTED needs referenceCacheDir and referenceCacheKey");
    List<EncodedExample> all = new ArrayList<>(train);
    all.addAll(eval);
    Path file = referenceCacheDir.resolve(referenceCacheKey + ".safetensors");
    Supplier<Reference> live = () -> (rows, seqs) -> {
      try (var g = dev.lathe.engine.tensor.Grad.disabled(); var off = policy.loraSpec() != null ? policy.adaptersDisabled() : null) {
        return Scored.of(policy, seqs).sums();
      }
    };
    return Precomputed.loadOrCompute(file, all, padId, loop.effectiveEvalBatchSize(), live, log);
  }

  /** The policy as checkpointed, with TR-DPO's synced reference and bco_pair's running mean beside it. */
  private RunState state(CausalLM policy, Reference ref) {
    CausalLM synced = syncAlpha != null && ref != null && ref.model() != policy ? ref.model() : null;
    var bco = loss instanceof dev.lathe.engine.align.DpoLoss d ? d.bcoState().orElse(null) : null;
    return new RunState(new PolicyState(policy, baseModelDir), synced, bco);
  }

  private void sync(Reference ref, CausalLM policy, long step) {
    if (!RefSync.due(step, syncSteps)) return;
    CausalLM r = ref.model();
    if (r == null || r == policy) throw new IllegalStateException("sync_ref_model needs a separate reference model");
    RefSync.mix(new ArrayList<>(r.baseParameters().values()), new ArrayList<>(policy.baseParameters().values()), syncAlpha);
  }
}
