package dev.lathe.engine.train.ebft;

import dev.lathe.engine.align.GrpoLoss;
import dev.lathe.engine.align.Losses;
import dev.lathe.engine.generate.RolloutEngine;
import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.text.Tokenizer;
import dev.lathe.engine.train.BatchSource;
import dev.lathe.engine.train.LoopSettings;
import dev.lathe.engine.train.RunResult;
import dev.lathe.engine.train.TrainLoop;
import dev.lathe.engine.data.GrpoPrompt;
import dev.lathe.engine.train.grpo.GrpoSettings;
import dev.lathe.engine.train.grpo.GrpoTraining;
import dev.lathe.engine.train.methods.PolicyState;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The EBFT assembler (docs/ebft.md; one assembler per method). Structured mode is GRPO with the
 * feature-matching reward as its only reward: GRPO's rollouts, group advantages (trl.scale_rewards) and
 * step. Strided mode is the paper's algorithm on its own feed and step: block-parallel generation,
 * per-block rewards and advantages, REINFORCE plus optional cross-entropy. The feature network is the
 * policy with adapters disabled (LoRA) or a frozen copy from {@link #featureCopy}.
 */
public final class EbftTraining {
  public CausalLM model;
  public EbftSettings ebft = new EbftSettings();
  /** A frozen copy of the model for the features when the policy has no LoRA adapters. */
  public Supplier<CausalLM> featureCopy;
  public LoopSettings loop = new LoopSettings();
  public int padId;
  public Path baseModelDir;
  public PrintStream log = System.err;

  /** Structured mode: prompts and their ground-truth completion ids (same order), GRPO's settings and loss. */
  public List<GrpoPrompt> prompts = List.of();
  public List<int[]> groundTruths = List.of();
  public GrpoSettings grpo = new GrpoSettings();
  public GrpoLoss loss;
  public Tokenizer tokenizer;
  public Set<Integer> eosIds = Set.of();
  public RolloutEngine rollouts;

  /** Strided mode: the documents. */
  public List<StridedDoc> documents = List.of();

  public RunResult run() {
    if (model == null) throw new IllegalStateException("EBFT needs a model");
    ebft.validate();
    try (FeatureNetwork f = features()) {
      log.println("ebft: " + ebft.mode.name().toLowerCase() + " mode, features at hidden states " + java.util.Arrays.toString(f.layerIndices())
          + " of " + model.spec().layers() + " layers (" + (model.loraSpec() != null ? "adapter-disabled policy" : "frozen copy") + "), "
          + ebft.embedMethod.yaml() + (ebft.useWhitening ? ", whitened" : ""));
      return ebft.mode == EbftSettings.Mode.STRUCTURED ? structured(f) : strided(f);
    }
  }

  private FeatureNetwork features() {
    if (model.loraSpec() != null) return FeatureNetwork.adapterDisabled(model, ebft);
    if (featureCopy == null) throw new IllegalStateException("EBFT without LoRA needs featureCopy (a frozen copy of the model for the features)");
    return FeatureNetwork.frozen(featureCopy.get(), ebft);
  }

  private RunResult structured(FeatureNetwork f) {
    if (ebft.ceCoef != 0) throw new IllegalArgumentException("ce_coef: structured mode has no cross-entropy term (Axolotl ignores it there); use mode: strided or remove it");
    if (ebft.rlCoef != 1) throw new IllegalArgumentException("rl_coef: structured mode has no CE term to weigh the RL loss against; use mode: strided or remove it");
    if (grpo.async != null) {
      throw new IllegalArgumentException("async_prefetch: async GRPO rounds are not supported with rl: ebft (the feature network shares the policy's "
          + "base weights and would be read from the producer thread while the policy trains); remove it");
    }
    if (groundTruths.size() != prompts.size()) throw new IllegalArgumentException("EBFT needs one ground truth per prompt: " + prompts.size() + " prompts, " + groundTruths.size() + " ground truths");
    Map<int[], int[]> gt = new IdentityHashMap<>(); // the round maker hands out each prompt's own ids array
    for (int i = 0; i < prompts.size(); i++) gt.put(prompts.get(i).ids(), groundTruths.get(i));
    FeatureMatchingRunner runner = new FeatureMatchingRunner(f, ebft, x -> gt.get(x.promptIds()), eosIds, padId);
    GrpoTraining t = new GrpoTraining();
    t.model = model;
    t.grpo = grpo;
    t.loss = loss != null ? loss : Losses.grpo().maxCompletionLength(grpo.maxCompletionLength).build();
    t.prompts = prompts;
    t.rewards = runner;
    t.tokenizer = tokenizer;
    t.eosIds = eosIds;
    t.padId = padId;
    t.loop = loop;
    t.baseModelDir = baseModelDir;
    t.rollouts = rollouts;
    t.log = log;
    return t.run();
  }

  private RunResult strided(FeatureNetwork f) {
    if (ebft.embedMethod != EmbedMethod.MEAN_POOLING && ebft.embedMethod != EmbedMethod.LAST_TOKEN) {
      throw new IllegalArgumentException("embed_method: strided mode pools each block by mean_pooling or last_token, not " + ebft.embedMethod.yaml()
          + " (Axolotl silently treats it as last_token)");
    }
    List<StridedDoc> docs = new ArrayList<>();
    int tooShort = 0;
    for (StridedDoc d : documents) {
      int first = d.promptLength() > 0 ? Math.max(d.promptLength() + ebft.minCompletionPrefix, ebft.contextLength) : ebft.contextLength;
      if (first + ebft.generateMaxLen <= d.ids().length) docs.add(d); else tooShort++;
    }
    if (tooShort > 0) {
      log.println("ebft: dropped " + tooShort + " of " + documents.size() + " documents too short for one block (anchor + generate_max_len "
          + ebft.generateMaxLen + " past the end)");
    }
    if (docs.isEmpty()) throw new IllegalArgumentException("EBFT strided mode: no document is long enough for one block; lower context_length or generate_max_len");
    if (ebft.nSamplesPerPrompt == 1 && ebft.diversityCoef != 0) log.println("ebft: n_samples_per_prompt = 1: no diversity term and no baseline (reinforce)");
    BatchSource<StridedBatch> source = new BatchSource<>() {
      public int size() { return docs.size(); }

      public StridedBatch batch(int[] rows) {
        List<StridedDoc> part = new ArrayList<>();
        for (int r : rows) part.add(docs.get(r));
        return StridedBatch.generate(model, part, ebft, padId);
      }

      public long tokens(StridedBatch b) { return (long) b.rows() * b.layout().length(b.layout().blockLength()); }
    };
    return new TrainLoop<>(loop, new PolicyState(model, baseModelDir), new StridedStep(model, f, ebft), source, null).log(log).run();
  }
}
