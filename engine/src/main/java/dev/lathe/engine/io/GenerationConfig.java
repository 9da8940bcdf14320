package dev.lathe.engine.io;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * generation_config.json: the token ids and sampling defaults transformers' generate() reads.
 * Absent values are null; unknown keys are kept in extra and written back.
 */
public record GenerationConfig(
    Integer bosTokenId,
    List<Integer> eosTokenIds,
    Integer padTokenId,
    Boolean doSample,
    Double temperature,
    Double topP,
    Integer topK,
    Integer maxNewTokens,
    Integer maxLength,
    Double repetitionPenalty,
    Map<String, Object> extra) {

  public GenerationConfig {
    eosTokenIds = List.copyOf(eosTokenIds);
    extra = extra == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extra));
  }

  /** Just the special token ids, as transformers derives from a model config. */
  public static GenerationConfig of(Integer bos, List<Integer> eos, Integer pad) {
    return new GenerationConfig(bos, eos, pad, null, null, null, null, null, null, null, Map.of());
  }

  public static GenerationConfig read(Path file) {
    JsonKeys k = new JsonKeys(file, "", JsonFiles.readObject(file));
    return new GenerationConfig(k.optionalId("bos_token_id"), k.optionalIds("eos_token_id"), k.optionalId("pad_token_id"),
        k.optionalBool("do_sample"), nonNegative(k, "temperature"), nonNegative(k, "top_p"),
        k.has("top_k") ? k.optionalId("top_k") : null, k.optionalInt("max_new_tokens", null),
        k.optionalInt("max_length", null), nonNegative(k, "repetition_penalty"), k.rest());
  }

  private static Double nonNegative(JsonKeys k, String key) {
    Double v = k.optionalDouble(key);
    if (v != null && (v < 0 || v.isNaN())) throw k.error(key, "a number >= 0", v);
    return v;
  }

  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>(extra);
    put(m, "bos_token_id", bosTokenId);
    put(m, "eos_token_id", eosTokenIds.isEmpty() ? null : eosTokenIds.size() == 1 ? eosTokenIds.get(0) : eosTokenIds);
    put(m, "pad_token_id", padTokenId);
    put(m, "do_sample", doSample);
    put(m, "temperature", temperature);
    put(m, "top_p", topP);
    put(m, "top_k", topK);
    put(m, "max_new_tokens", maxNewTokens);
    put(m, "max_length", maxLength);
    put(m, "repetition_penalty", repetitionPenalty);
    return m;
  }

  private static void put(Map<String, Object> m, String key, Object v) {
    if (v != null) m.put(key, v);
  }

  /** Writes generation_config.json (sorted keys, indent 2), atomically. */
  public void write(Path file) {
    AtomicFiles.writeString(file, PyJson.file(toJson(), true));
  }
}
