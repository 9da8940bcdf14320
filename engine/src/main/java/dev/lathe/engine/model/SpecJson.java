package dev.lathe.engine.model;

import java.util.LinkedHashMap;
import java.util.Map;

/** A DecoderSpec as config.json keys, for models made in code (init-model, tests). */
final class SpecJson {
  private SpecJson() {}

  static Map<String, Object> toHf(DecoderSpec s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model_type", s.modelType());
    m.put("vocab_size", s.vocabSize());
    m.put("hidden_size", s.hiddenSize());
    m.put("intermediate_size", s.intermediateSize());
    m.put("num_hidden_layers", s.layers());
    m.put("num_attention_heads", s.heads());
    m.put("num_key_value_heads", s.kvHeads());
    m.put("head_dim", s.headDim());
    m.put("max_position_embeddings", s.maxPositions());
    if (s.slidingWindow() != null) m.put("sliding_window", s.slidingWindow());
    m.put("rms_norm_eps", s.rmsEps());
    m.put("rope_theta", s.rope().theta());
    if (!s.rope().type().equals("default")) m.put("rope_scaling", rope(s));
    m.put("tie_word_embeddings", s.tieEmbeddings());
    if (s.modelType().equals("llama") || s.modelType().equals("qwen3")) m.put("attention_bias", s.outputBias());
    m.put("mlp_bias", s.mlpBias());
    m.put("hidden_act", "silu");
    if (s.padTokenId() != null) m.put("pad_token_id", s.padTokenId());
    return m;
  }

  private static Map<String, Object> rope(DecoderSpec s) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("rope_type", s.rope().type());
    r.put("factor", s.rope().factor());
    if (s.rope().type().equals("llama3")) {
      r.put("low_freq_factor", s.rope().lowFreqFactor());
      r.put("high_freq_factor", s.rope().highFreqFactor());
      r.put("original_max_position_embeddings", s.rope().originalMaxPositions());
    }
    return r;
  }
}
