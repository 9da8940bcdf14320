package dev.lathe.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** config.json <-> ModelConfig, with transformers' per-model_type defaults. */
final class ModelConfigJson {
  private ModelConfigJson() {}

  /** Defaults of transformers' LlamaConfig / MistralConfig / Qwen2Config / Qwen3Config. */
  private record Defaults(String architecture, int maxPositions, Integer bos, Integer eos, Integer headDim, Integer slidingWindow) {}

  private static final Map<String, Defaults> DEFAULTS = Map.of(
      "llama", new Defaults("LlamaForCausalLM", 2048, 1, 2, null, null),
      "mistral", new Defaults("MistralForCausalLM", 4096 * 32, 1, 2, null, 4096),
      "qwen2", new Defaults("Qwen2ForCausalLM", 32768, null, null, null, null),
      "qwen3", new Defaults("Qwen3ForCausalLM", 32768, null, null, 128, null));

  static ModelConfig read(Path file, JsonNode root) {
    JsonKeys k = new JsonKeys(file, "", root);
    String type = k.requiredString("model_type");
    Defaults d = DEFAULTS.get(type);
    if (d == null) {
      throw k.error("model_type", "one of " + ModelConfig.SUPPORTED_MODEL_TYPES
          + " (SmolLM and TinyLlama are llama)", "\"" + type + "\"");
    }
    List<String> arch = k.optionalStrings("architectures");
    int vocab = k.requiredInt("vocab_size");
    int hidden = k.requiredInt("hidden_size");
    int inter = k.requiredInt("intermediate_size");
    int layers = k.requiredInt("num_hidden_layers");
    int heads = k.requiredInt("num_attention_heads");
    int kvHeads = k.optionalInt("num_key_value_heads", heads);
    if (heads % kvHeads != 0) {
      throw k.error("num_key_value_heads", "a divisor of num_attention_heads (" + heads + ")", kvHeads);
    }
    Integer headDim = k.optionalInt("head_dim", d.headDim());
    if (headDim == null) {
      if (hidden % heads != 0) {
        throw k.error("num_attention_heads", "a divisor of hidden_size (" + hidden + ") when head_dim is not given", heads);
      }
      headDim = hidden / heads;
    }
    JsonKeys ropeParams = k.object("rope_parameters"); // transformers 5 moves rope_theta in here
    double theta = k.optionalDouble("rope_theta", ropeParams == null ? 10000.0 : ropeParams.optionalDouble("rope_theta", 10000.0));
    JsonKeys scaling = k.object("rope_scaling");
    RopeScaling rope = scaling != null ? RopeScaling.read(scaling) : ropeParams != null ? RopeScaling.read(ropeParams) : null;
    Integer bos = k.present("bos_token_id") ? k.optionalId("bos_token_id") : d.bos();
    List<Integer> eos = k.present("eos_token_id") ? k.optionalIds("eos_token_id") : d.eos() == null ? List.of() : List.of(d.eos());
    String dtype = k.optionalString("torch_dtype", null);
    if (k.has("dtype")) dtype = k.optionalString("dtype", dtype);
    return new ModelConfig(type, arch.isEmpty() ? List.of(d.architecture()) : arch, vocab, hidden, inter, layers, heads,
        kvHeads, headDim, k.optionalInt("max_position_embeddings", d.maxPositions()),
        k.optionalDouble("rms_norm_eps", 1e-6), theta, rope,
        k.optionalBool("tie_word_embeddings", false), k.optionalBool("attention_bias", false),
        k.optionalBool("mlp_bias", false), k.optionalString("hidden_act", "silu"), bos, eos,
        k.optionalId("pad_token_id"), dtype, k.present("sliding_window") ? k.optionalInt("sliding_window", null) : d.slidingWindow(),
        labels(k), k.rest());
  }

  /** id2label (string keys "0", "1", ...) or num_labels; label2id is derived, so dropped. */
  private static Map<Integer, String> labels(JsonKeys k) {
    k.has("label2id");
    JsonKeys id2label = k.object("id2label");
    Integer n = k.optionalInt("num_labels", null);
    if (id2label == null) {
      if (n == null) return null;
      Map<Integer, String> out = new TreeMap<>();
      for (int i = 0; i < n; i++) out.put(i, "LABEL_" + i);
      return out;
    }
    Map<Integer, String> out = new TreeMap<>();
    for (Map.Entry<String, Object> e : id2label.rest().entrySet()) {
      int id;
      try {
        id = Integer.parseInt(e.getKey());
      } catch (NumberFormatException ex) {
        throw k.error("id2label", "integer keys (\"0\", \"1\", ...)", "\"" + e.getKey() + "\"");
      }
      out.put(id, String.valueOf(e.getValue()));
    }
    if (n != null && n != out.size()) {
      throw k.error("num_labels", "the number of id2label entries (" + out.size() + ")", n);
    }
    return out;
  }

  static Map<String, Object> toJson(ModelConfig c) {
    Map<String, Object> m = new LinkedHashMap<>(c.extra());
    m.put("model_type", c.modelType());
    m.put("architectures", c.architectures());
    m.put("vocab_size", c.vocabSize());
    m.put("hidden_size", c.hiddenSize());
    m.put("intermediate_size", c.intermediateSize());
    m.put("num_hidden_layers", c.numHiddenLayers());
    m.put("num_attention_heads", c.numAttentionHeads());
    m.put("num_key_value_heads", c.numKeyValueHeads());
    m.put("head_dim", c.headDim());
    m.put("max_position_embeddings", c.maxPositionEmbeddings());
    m.put("rms_norm_eps", c.rmsNormEps());
    m.put("rope_theta", c.ropeTheta());
    m.put("rope_scaling", c.ropeScaling() == null ? null : c.ropeScaling().toJson());
    m.put("tie_word_embeddings", c.tieWordEmbeddings());
    if (!c.modelType().equals("qwen2") && !c.modelType().equals("mistral") || c.attentionBias()) {
      m.put("attention_bias", c.attentionBias());
    }
    if (c.modelType().equals("llama") || c.mlpBias()) m.put("mlp_bias", c.mlpBias());
    m.put("hidden_act", c.hiddenAct());
    m.put("bos_token_id", c.bosTokenId());
    m.put("eos_token_id", c.eosTokenIds().size() == 1 ? c.eosTokenIds().get(0) : c.eosTokenIds().isEmpty() ? null : c.eosTokenIds());
    if (c.padTokenId() != null) m.put("pad_token_id", c.padTokenId());
    if (c.torchDtype() != null) m.put("torch_dtype", c.torchDtype());
    if (c.slidingWindow() != null || c.modelType().equals("mistral")) m.put("sliding_window", c.slidingWindow());
    if (c.id2label() != null) {
      Map<String, Object> id2label = new LinkedHashMap<>();
      Map<String, Object> label2id = new LinkedHashMap<>();
      c.id2label().forEach((id, label) -> {
        id2label.put(String.valueOf(id), label);
        label2id.put(label, id);
      });
      m.put("id2label", id2label);
      m.put("label2id", label2id);
    }
    return m;
  }
}
