package dev.lathe.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed access to the keys of one JSON object of a file, with errors that name the file, the
 * key path, what was expected and what was found. Remembers which keys were read, so the
 * rest can be kept verbatim (HF configs carry many keys Lathe does not interpret).
 */
final class JsonKeys {
  private final Path file;
  private final String prefix;
  private final JsonNode node;
  private final Set<String> used = new HashSet<>();

  JsonKeys(Path file, String prefix, JsonNode node) {
    this.file = file;
    this.prefix = prefix;
    this.node = node;
  }

  Path file() {
    return file;
  }

  boolean has(String key) {
    used.add(key);
    JsonNode v = node.get(key);
    return v != null && !v.isNull();
  }

  /** The key is in the object, even if its value is null (an explicit null overrides a default). */
  boolean present(String key) {
    used.add(key);
    return node.has(key);
  }

  JsonNode raw(String key) {
    used.add(key);
    JsonNode v = node.get(key);
    return v == null || v.isNull() ? null : v;
  }

  FormatException error(String key, String expected, Object found) {
    return new FormatException(file, "key '" + prefix + key + "': expected " + expected + ", found " + found);
  }

  FormatException missing(String key) {
    return new FormatException(file, "missing required key '" + prefix + key + "'");
  }

  int requiredInt(String key) {
    if (!has(key)) throw missing(key);
    return positiveInt(key);
  }

  Integer optionalInt(String key, Integer fallback) {
    return has(key) ? (Integer) positiveInt(key) : fallback;
  }

  /** Token ids may be 0, so they are non-negative rather than positive. */
  Integer optionalId(String key) {
    if (!has(key)) return null;
    JsonNode v = raw(key);
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0) throw error(key, "a token id (integer >= 0)", v);
    return v.asInt();
  }

  /** An int or a list of ints (eos_token_id). */
  List<Integer> optionalIds(String key) {
    if (!has(key)) return List.of();
    JsonNode v = raw(key);
    if (v.isIntegralNumber()) return List.of(optionalId(key));
    if (!v.isArray()) throw error(key, "a token id or a list of token ids", v);
    List<Integer> out = new ArrayList<>();
    for (JsonNode x : v) {
      if (!x.isIntegralNumber() || x.asInt() < 0) throw error(key, "a list of token ids", v);
      out.add(x.asInt());
    }
    return List.copyOf(out);
  }

  private int positiveInt(String key) {
    JsonNode v = raw(key);
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() <= 0) throw error(key, "a positive integer", v);
    return v.asInt();
  }

  double optionalDouble(String key, double fallback) {
    if (!has(key)) return fallback;
    JsonNode v = raw(key);
    if (!v.isNumber()) throw error(key, "a number", v);
    return v.asDouble();
  }

  Double optionalDouble(String key) {
    return has(key) ? optionalDouble(key, 0) : null;
  }

  boolean optionalBool(String key, boolean fallback) {
    if (!has(key)) return fallback;
    JsonNode v = raw(key);
    if (!v.isBoolean()) throw error(key, "true or false", v);
    return v.asBoolean();
  }

  Boolean optionalBool(String key) {
    return has(key) ? optionalBool(key, false) : null;
  }

  String requiredString(String key) {
    if (!has(key)) throw missing(key);
    return optionalString(key, null);
  }

  String optionalString(String key, String fallback) {
    if (!has(key)) return fallback;
    JsonNode v = raw(key);
    if (!v.isTextual()) throw error(key, "a string", v);
    return v.asText();
  }

  List<String> optionalStrings(String key) {
    if (!has(key)) return List.of();
    JsonNode v = raw(key);
    if (!v.isArray()) throw error(key, "a list of strings", v);
    List<String> out = new ArrayList<>();
    for (JsonNode x : v) {
      if (!x.isTextual()) throw error(key, "a list of strings", v);
      out.add(x.asText());
    }
    return List.copyOf(out);
  }

  /** The object under key, for nested reading, or null. */
  JsonKeys object(String key) {
    if (!has(key)) return null;
    JsonNode v = raw(key);
    if (!v.isObject()) throw error(key, "an object", v);
    return new JsonKeys(file, prefix + key + ".", v);
  }

  /** Keys not read so far, in file order, as plain Java values. */
  Map<String, Object> rest() {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (!used.contains(e.getKey())) out.put(e.getKey(), JsonFiles.toJava(e.getValue()));
    }
    return out;
  }
}
