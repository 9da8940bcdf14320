package dev.lathe.engine.io;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A Llama-family config.json (llama, mistral, qwen2, qwen3; SmolLM and TinyLlama are llama).
 * Optional keys take transformers' defaults for the model_type; keys Lathe does not interpret
 * are kept in extra and written back unchanged.
 *
 * @param headDim per-head width; hidden_size / num_attention_heads unless given (qwen3: 128)
 * @param attentionBias the config's attention_bias (bias on q, k, v and o projections)
 * @param eosTokenIds eos_token_id, which HF allows to be one id or a list
 * @param id2label classification labels (reward models: {0: "LABEL_0"}), null for a causal LM
 */
public record ModelConfig(
    String modelType,
    List<String> architectures,
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int numKeyValueHeads,
    int headDim,
    int maxPositionEmbeddings,
    double rmsNormEps,
    double ropeTheta,
    RopeScaling ropeScaling,
    boolean tieWordEmbeddings,
    boolean attentionBias,
    boolean mlpBias,
    String hiddenAct,
    Integer bosTokenId,
    List<Integer> eosTokenIds,
    Integer padTokenId,
    String torchDtype,
    Integer slidingWindow,
    Map<Integer, String> id2label,
    Map<String, Object> extra) {

  public static final List<String> SUPPORTED_MODEL_TYPES = List.of("llama", "mistral", "qwen2", "qwen3");

  public ModelConfig {
    architectures = List.copyOf(architectures);
    eosTokenIds = List.copyOf(eosTokenIds);
    id2label = id2label == null ? null : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(id2label));
    extra = extra == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(extra));
  }

  /** Reads and validates a config.json. */
  public static ModelConfig read(Path file) {
    return ModelConfigJson.read(file, JsonFiles.readObject(file));
  }

  /** Builds a config from HF keys given in code (init-model); source names it in errors. */
  public static ModelConfig fromMap(Map<String, ?> hfKeys, Path source) {
    String json = PyJson.file(hfKeys, false);
    return ModelConfigJson.read(source, JsonFiles.parseObject(source, json));
  }

  /** Writes config.json in transformers' layout (sorted keys, indent 2), atomically. */
  public void write(Path file) {
    AtomicFiles.writeString(file, PyJson.file(toJson(), true));
  }

  /** The HF key/value form of this config. */
  public Map<String, Object> toJson() {
    return ModelConfigJson.toJson(this);
  }

  /** q, k and v projections carry a bias: attention_bias, or always for qwen2. */
  public boolean qkvBias() {
    return attentionBias || modelType.equals("qwen2");
  }

  /** The output projection carries a bias (attention_bias; qwen2 has none there). */
  public boolean outputBias() {
    return attentionBias && !modelType.equals("qwen2");
  }

  /** Qwen3 normalises q and k per head (RMSNorm over head_dim) before rotary. */
  public boolean qkNorm() {
    return modelType.equals("qwen3");
  }

  /** Query heads per key/value head (GQA). */
  public int kvGroups() {
    return numAttentionHeads / numKeyValueHeads;
  }

  /** Number of classification labels, 0 for a causal LM config. */
  public int numLabels() {
    return id2label == null ? 0 : id2label.size();
  }

  /** The first eos id, or null. */
  public Integer eosTokenId() {
    return eosTokenIds.isEmpty() ? null : eosTokenIds.get(0);
  }
}
