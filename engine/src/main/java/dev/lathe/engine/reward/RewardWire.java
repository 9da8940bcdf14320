package dev.lathe.engine.reward;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The reward worker's line protocol: one JSON object per line each way.
 * <pre>
 * worker -> trainer, once: {"ready": [{"name": "correct", "group": false}, ...]}   or {"fatal": "why"} and exit
 * trainer -> worker:       {"id": 7, "fn": 0, "samples": [{index, group, member, prompt, completion, promptIds,
 *                            completionIds, row, truncated}, ...]}   (1 sample, or the G of a group)
 * worker -> trainer:       {"id": 7, "value": V}   or {"id": 7, "error": "java.lang.IllegalStateException", "message": "..."}
 * V: a number, null, a list of V, {"nonfinite": "NaN"} (JSON has no NaN), or {"other": "String", "repr": "..."}
 * </pre>
 * The trainer's runner checks V exactly as it checks a value returned on a thread; dataset rows cross as JSON.
 */
final class RewardWire {
  static final ObjectMapper JSON = new ObjectMapper();

  private RewardWire() {}

  /** A value of a type the runner rejects, carried by name so its message is the same as in process. */
  record Foreign(String type, String repr) {
    @Override
    public String toString() { return repr; }
  }

  record Request(long id, int fn, List<Sample> samples) {}

  record Response(long id, Object value, String error, String message) {}

  static String ready(List<Reward> rewards) {
    ObjectNode o = JSON.createObjectNode();
    ArrayNode a = o.putArray("ready");
    for (Reward r : rewards) a.addObject().put("name", r.name()).put("group", r.perGroup() != null);
    return o.toString();
  }

  static String fatal(String why) { return JSON.createObjectNode().put("fatal", why).toString(); }

  static String request(long id, int fn, List<Sample> samples) {
    ObjectNode o = JSON.createObjectNode().put("id", id).put("fn", fn);
    ArrayNode a = o.putArray("samples");
    for (Sample s : samples) {
      ObjectNode x = a.addObject().put("index", s.index()).put("group", s.group()).put("member", s.member())
          .put("prompt", s.prompt()).put("completion", s.completion()).put("truncated", s.truncated());
      ArrayNode p = x.putArray("promptIds");
      for (int t : s.promptIds()) p.add(t);
      ArrayNode c = x.putArray("completionIds");
      for (int t : s.completionIds()) c.add(t);
      try {
        x.set("row", JSON.valueToTree(s.row()));
      } catch (IllegalArgumentException e) {
        throw new RewardException("the dataset row of " + s.describe() + " cannot be sent to a reward worker process as JSON: " + e.getMessage(), e);
      }
    }
    return o.toString();
  }

  @SuppressWarnings("unchecked")
  static Request readRequest(String line) throws JsonProcessingException {
    JsonNode o = JSON.readTree(line);
    List<Sample> samples = new ArrayList<>();
    for (JsonNode x : o.get("samples")) {
      samples.add(new Sample(x.get("index").asInt(), x.get("group").asInt(), x.get("member").asInt(), text(x.get("prompt")),
          text(x.get("completion")), ints(x.get("promptIds")), ints(x.get("completionIds")),
          JSON.convertValue(x.get("row"), Map.class), x.get("truncated").asBoolean()));
    }
    return new Request(o.get("id").asLong(), o.get("fn").asInt(), samples);
  }

  static String result(long id, Object value) {
    ObjectNode o = JSON.createObjectNode().put("id", id);
    o.set("value", encode(value));
    return o.toString();
  }

  static String failure(long id, Throwable t) {
    return JSON.createObjectNode().put("id", id).put("error", t.getClass().getName()).put("message", String.valueOf(t.getMessage())).toString();
  }

  static Response readResponse(String line) throws JsonProcessingException {
    JsonNode o = JSON.readTree(line);
    if (o.has("error")) return new Response(o.get("id").asLong(), null, o.get("error").asText(), o.get("message").asText());
    return new Response(o.get("id").asLong(), decode(o.get("value")), null, null);
  }

  private static JsonNode encode(Object v) {
    var f = JSON.getNodeFactory();
    if (v == null) return f.nullNode();
    if (v instanceof Number n) {
      double d = n.doubleValue();
      return Double.isFinite(d) ? f.numberNode(d) : f.objectNode().put("nonfinite", Double.toString(d));
    }
    if (v instanceof List<?> l) {
      ArrayNode a = f.arrayNode();
      for (Object x : l) a.add(encode(x));
      return a;
    }
    return f.objectNode().put("other", v.getClass().getSimpleName()).put("repr", String.valueOf(v));
  }

  private static Object decode(JsonNode v) {
    if (v == null || v.isNull()) return null;
    if (v.isNumber()) return v.asDouble();
    if (v.isArray()) {
      List<Object> out = new ArrayList<>();
      for (JsonNode x : v) out.add(decode(x));
      return out;
    }
    if (v.has("nonfinite")) return Double.parseDouble(v.get("nonfinite").asText());
    return new Foreign(v.path("other").asText("?"), v.path("repr").asText(""));
  }

  private static String text(JsonNode n) { return n == null || n.isNull() ? null : n.asText(); }

  private static int[] ints(JsonNode a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
    return out;
  }
}
