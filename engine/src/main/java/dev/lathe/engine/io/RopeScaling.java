package dev.lathe.engine.io;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * config.json's rope_scaling. "linear" divides positions by factor; "llama3" rescales the
 * rotary frequencies by wavelength between low_freq_factor and high_freq_factor relative to
 * original_max_position_embeddings (Llama 3.1+). The llama3-only fields are null for linear.
 */
public record RopeScaling(
    String type,
    double factor,
    Double lowFreqFactor,
    Double highFreqFactor,
    Integer originalMaxPositionEmbeddings) {

  public static final java.util.List<String> SUPPORTED = java.util.List.of("linear", "llama3");

  public static RopeScaling linear(double factor) {
    return new RopeScaling("linear", factor, null, null, null);
  }

  public static RopeScaling llama3(double factor, double low, double high, int originalMax) {
    return new RopeScaling("llama3", factor, low, high, originalMax);
  }

  /** Reads rope_scaling (or transformers 5's rope_parameters); null for no scaling ("default"). */
  static RopeScaling read(JsonKeys k) {
    String type = k.has("rope_type") ? k.optionalString("rope_type", null) : k.optionalString("type", null);
    if (type == null) throw k.missing("rope_type");
    if (type.equals("default")) return null;
    if (!SUPPORTED.contains(type)) {
      throw k.error("rope_type", "one of " + SUPPORTED + " (or \"default\")", "\"" + type + "\"");
    }
    if (!k.has("factor")) throw k.missing("factor");
    double factor = k.optionalDouble("factor", 1.0);
    if (type.equals("linear")) return linear(factor);
    for (String key : new String[] {"low_freq_factor", "high_freq_factor", "original_max_position_embeddings"}) {
      if (!k.has(key)) throw k.missing(key);
    }
    return llama3(factor, k.optionalDouble("low_freq_factor", 0), k.optionalDouble("high_freq_factor", 0),
        k.optionalInt("original_max_position_embeddings", null));
  }

  /** The HF form (transformers >= 4.43 reads "rope_type"; the legacy "type" is read but not written). */
  Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("factor", factor);
    if (lowFreqFactor != null) m.put("low_freq_factor", lowFreqFactor);
    if (highFreqFactor != null) m.put("high_freq_factor", highFreqFactor);
    if (originalMaxPositionEmbeddings != null) m.put("original_max_position_embeddings", originalMaxPositionEmbeddings);
    m.put("rope_type", type);
    return m;
  }
}
