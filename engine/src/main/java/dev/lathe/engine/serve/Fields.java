package dev.lathe.engine.serve;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Typed reads of request-body fields. Every mismatch is a {@link BadRequest} naming the field, what
 * was expected and what was found; JSON null counts as absent (OpenAI clients send explicit nulls).
 */
final class Fields {
  private Fields() {}

  static JsonNode get(JsonNode body, String name) {
    JsonNode v = body.get(name);
    return v == null || v.isNull() ? null : v;
  }

  static int integer(JsonNode body, String name, int def, int min, int max) {
    JsonNode v = get(body, name);
    if (v == null) return def;
    if (!v.isIntegralNumber() && !(v.isNumber() && v.asDouble() == Math.rint(v.asDouble()))) {
      throw new BadRequest(name, "expected an integer, found " + describe(v));
    }
    long x = v.asLong();
    if (x < min || x > max) throw new BadRequest(name, "must be in [" + min + ", " + max + "], got " + x);
    return (int) x;
  }

  static double number(JsonNode body, String name, double def, double min, double max) {
    JsonNode v = get(body, name);
    if (v == null) return def;
    if (!v.isNumber()) throw new BadRequest(name, "expected a number, found " + describe(v));
    double x = v.asDouble();
    if (!(x >= min && x <= max)) throw new BadRequest(name, "must be in [" + min + ", " + max + "], got " + x);
    return x;
  }

  static boolean bool(JsonNode body, String name, boolean def) {
    JsonNode v = get(body, name);
    if (v == null) return def;
    if (!v.isBoolean()) throw new BadRequest(name, "expected true or false, found " + describe(v));
    return v.asBoolean();
  }

  static String string(JsonNode body, String name, String def) {
    JsonNode v = get(body, name);
    if (v == null) return def;
    if (!v.isTextual()) throw new BadRequest(name, "expected a string, found " + describe(v));
    return v.asText();
  }

  static String requiredString(JsonNode body, String name) {
    String s = string(body, name, null);
    if (s == null) throw new BadRequest(name, "required");
    return s;
  }

  static JsonNode requiredArray(JsonNode body, String name) {
    JsonNode v = get(body, name);
    if (v == null) throw new BadRequest(name, "required");
    if (!v.isArray()) throw new BadRequest(name, "expected a list, found " + describe(v));
    if (v.isEmpty()) throw new BadRequest(name, "must not be empty");
    return v;
  }

  /** A string or a list of strings (OpenAI's "stop"); null when absent. */
  static List<String> stringOrList(JsonNode body, String name) {
    JsonNode v = get(body, name);
    if (v == null) return List.of();
    List<String> out = new ArrayList<>();
    if (v.isTextual()) out.add(v.asText());
    else if (v.isArray()) {
      for (JsonNode x : v) {
        if (!x.isTextual()) throw new BadRequest(name, "expected a string or a list of strings, found an element " + describe(x));
        out.add(x.asText());
      }
    } else throw new BadRequest(name, "expected a string or a list of strings, found " + describe(v));
    for (String s : out) if (s.isEmpty()) throw new BadRequest(name, "stop strings must not be empty");
    return out;
  }

  /** A list of token ids; each must be a valid id for the vocabulary. */
  static int[] tokenIds(JsonNode v, String name, int vocab) {
    if (!v.isArray()) throw new BadRequest(name, "expected a list of token ids, found " + describe(v));
    if (v.isEmpty()) throw new BadRequest(name, "a prompt needs at least one token");
    int[] ids = new int[v.size()];
    for (int i = 0; i < ids.length; i++) {
      JsonNode x = v.get(i);
      if (!x.isIntegralNumber()) throw new BadRequest(name, "element " + i + ": expected a token id (integer), found " + describe(x));
      long id = x.asLong();
      if (id < 0 || id >= vocab) throw new BadRequest(name, "element " + i + ": token id " + id + " is outside the vocabulary [0, " + vocab + ")");
      ids[i] = (int) id;
    }
    return ids;
  }

  /** Fields the server does not know are refused (never silently ignored), except the listed harmless ones. */
  static void onlyKnown(JsonNode body, Set<String> known, Set<String> ignored) {
    var it = body.fieldNames();
    while (it.hasNext()) {
      String k = it.next();
      if (!known.contains(k) && !ignored.contains(k)) {
        throw new BadRequest(k, "unknown field (supported: " + new java.util.TreeSet<>(known) + ")");
      }
    }
  }

  /** A field the server accepts only at its neutral value. */
  static void neutral(JsonNode body, String name, JsonNode neutralValue, String why) {
    JsonNode v = get(body, name);
    if (v != null && !v.equals(neutralValue) && !(v.isNumber() && neutralValue.isNumber() && v.asDouble() == neutralValue.asDouble())) {
      throw new BadRequest(name, why + " (only " + neutralValue + " is accepted, got " + v + ")");
    }
  }

  static String describe(JsonNode v) {
    if (v.isTextual()) return "a string \"" + (v.asText().length() > 40 ? v.asText().substring(0, 40) + "..." : v.asText()) + "\"";
    if (v.isArray()) return "a list";
    if (v.isObject()) return "an object";
    if (v.isBoolean()) return "a boolean " + v;
    if (v.isNumber()) return "a number " + v;
    return v.getNodeType().toString().toLowerCase();
  }
}
