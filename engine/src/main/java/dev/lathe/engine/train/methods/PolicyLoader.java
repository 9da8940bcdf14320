package dev.lathe.engine.train.methods;

import dev.lathe.engine.io.ModelConfig;
import dev.lathe.engine.io.SafetensorsCheckpoint;
import dev.lathe.engine.model.Architectures;
import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.model.HfWeights;
import dev.lathe.engine.model.LanguageModel;
import dev.lathe.engine.model.Models;
import dev.lathe.engine.model.SequenceClassifier;
import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Runtime;
import dev.lathe.engine.tensor.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Loads the model a method trains from a local HF folder. */
public final class PolicyLoader {
  private PolicyLoader() {}

  public static CausalLM causalLM(Path dir) { return Models.loadCausalLM(dir, DType.F32); }

  /**
   * A reward model: a *ForSequenceClassification folder as saved, or, from a causal LM folder, the same
   * decoder with a new one-label score head ~ N(0, 0.02) (what AutoModelForSequenceClassification does
   * with a causal-LM checkpoint: lm_head dropped, score freshly initialised).
   */
  public static SequenceClassifier rewardModel(Path dir, long seed) {
    ModelConfig cfg = ModelConfig.read(dir.resolve("config.json"));
    if (cfg.numLabels() > 0 || Architectures.isClassifier(cfg.architectures())) {
      LanguageModel m = Models.load(dir, DType.F32);
      if (m instanceof SequenceClassifier s && s.spec().numLabels() == 1) return s;
      m.close();
      throw new IllegalArgumentException(dir + ": a Bradley-Terry reward model needs num_labels 1");
    }
    SequenceClassifier m = new SequenceClassifier(Architectures.spec(cfg, DType.F32).withLabels(1));
    try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(dir)) {
      Map<String, Tensor> base = new LinkedHashMap<>(m.baseParameters());
      base.remove("score.weight");
      HfWeights.load(base, ck, dir, "", n -> n.equals("lm_head.weight") || n.endsWith(".rotary_emb.inv_freq"));
      Runtime.seed(seed);
      try (var g = Grad.disabled()) {
        m.score().weight().normal_(0, 0.02);
      }
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
    m.setHfConfig(cfg);
    m.train(false); // loaded models start in eval mode (the loop switches to training)
    return m;
  }
}
