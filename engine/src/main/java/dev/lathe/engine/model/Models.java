package dev.lathe.engine.model;

import dev.lathe.engine.io.FormatException;
import dev.lathe.engine.io.ModelConfig;
import dev.lathe.engine.io.SafetensorsCheckpoint;
import dev.lathe.engine.tensor.DType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face model folders in and out: config.json + model.safetensors (or shards with
 * model.safetensors.index.json). The architectures entry decides between a causal LM and a
 * sequence classifier (reward model).
 */
public final class Models {
  /** transformers' default shard size for save_pretrained. */
  public static final long DEFAULT_SHARD_BYTES = 5L * 1000 * 1000 * 1000;

  private Models() {}

  /** Loads a folder with parameters in dtype (F32 for CPU training; BF16 halves memory). */
  public static LanguageModel load(Path dir, DType dtype) {
    ModelConfig cfg = ModelConfig.read(dir.resolve("config.json"));
    DecoderSpec spec = Architectures.spec(cfg, dtype);
    LanguageModel m = build(spec);
    try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(dir)) {
      HfWeights.load(m.baseParameters(), ck, dir, "", n -> ignorable(n, spec));
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
    m.setHfConfig(cfg);
    m.train(false); // as transformers' from_pretrained: dropout off until a trainer asks for training mode
    return m;
  }

  /** Loads a folder that must hold a causal LM. */
  public static CausalLM loadCausalLM(Path dir, DType dtype) {
    LanguageModel m = load(dir, dtype);
    if (m instanceof CausalLM c) return c;
    m.close();
    throw new FormatException(dir.resolve("config.json"), "architectures names a sequence classifier; a causal LM (*ForCausalLM) is needed here");
  }

  /** A causal LM or classifier with zero weights (callers load or initialise them). */
  public static LanguageModel build(DecoderSpec spec) {
    return spec.numLabels() > 0 ? new SequenceClassifier(spec) : new CausalLM(spec);
  }

  // tied models may still carry lm_head.weight; old checkpoints carry rotary inv_freq buffers
  private static boolean ignorable(String name, DecoderSpec spec) {
    return (spec.tieEmbeddings() && name.equals("lm_head.weight")) || name.endsWith(".rotary_emb.inv_freq");
  }

  /** Writes config.json and the weights (adapters excluded; merge them first to keep them). */
  public static void save(LanguageModel m, Path dir, long maxShardBytes) {
    try {
      Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot create " + dir, e);
    }
    HfWeights.save(m.baseParameters(), dir, maxShardBytes);
    config(m).write(dir.resolve("config.json"));
  }

  public static void save(LanguageModel m, Path dir) { save(m, dir, DEFAULT_SHARD_BYTES); }

  /** The config.json to write: the loaded one (unknown keys kept) with architecture and dtype updated. */
  public static ModelConfig config(LanguageModel m) {
    Map<String, Object> keys = m.hfConfig() != null ? new LinkedHashMap<>(m.hfConfig().toJson()) : SpecJson.toHf(m.spec());
    keys.put("architectures", List.of(m.architecture()));
    keys.put("torch_dtype", m.spec().dtype().torchName);
    if (m instanceof SequenceClassifier && !keys.containsKey("id2label")) keys.put("num_labels", m.spec().numLabels());
    return ModelConfig.fromMap(keys, Path.of("config.json"));
  }
}
