package dev.lathe.engine.train.grpo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * grpo_state.json in a checkpoint: the prompt cursor (micro-steps and rounds done) and the buffered
 * round, so a resumed run trains the same rollouts and continues the same loss curve (TRL regenerates
 * instead, grpo-spec §3.3). Floats are written in their shortest exact form.
 */
record RolloutState(long microSteps, long rounds, Round round) {
  static final String FILE = "grpo_state.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  static void write(Path dir, long microSteps, long rounds, Round round) {
    ObjectNode n = JSON.createObjectNode();
    n.put("micro_steps", microSteps);
    n.put("rounds", rounds);
    if (round != null) {
      ObjectNode r = n.putObject("round");
      r.put("number", round.number());
      ObjectNode m = r.putObject("metrics");
      round.metrics().forEach((k, v) -> { if (Double.isFinite(v)) m.put(k, v); }); // logged already; JSON has no NaN
      ArrayNode rows = r.putArray("rows");
      for (RolloutRow x : round.rows()) row(rows.addObject(), x);
    }
    try {
      Files.writeString(dir.resolve(FILE), JSON.writeValueAsString(n));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve(FILE) + ": " + e.getMessage(), e);
    }
  }

  static RolloutState read(Path dir) {
    Path f = dir.resolve(FILE);
    if (!Files.isRegularFile(f)) throw new IllegalArgumentException("resume: " + dir + " has no " + FILE + " (not a GRPO checkpoint?)");
    try {
      JsonNode n = JSON.readTree(f.toFile());
      Round round = n.has("round") ? round(n.get("round")) : null;
      return new RolloutState(n.get("micro_steps").asLong(), n.get("rounds").asLong(), round);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("resume: cannot read " + f + ": " + e.getMessage(), e);
    }
  }

  private static Round round(JsonNode r) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    r.get("metrics").properties().forEach(e -> metrics.put(e.getKey(), e.getValue().asDouble()));
    List<RolloutRow> rows = new ArrayList<>();
    for (JsonNode o : r.get("rows")) rows.add(row(o));
    return new Round(r.get("number").asLong(), List.copyOf(rows), metrics);
  }

  /** One buffered row as JSON (also the replay buffer's rows). */
  static void row(ObjectNode o, RolloutRow x) {
    o.put("prompt", x.prompt());
    ArrayNode c = o.putArray("completion");
    for (int t : x.completion()) c.add(t);
    o.put("truncated", x.truncated());
    o.put("advantage", x.advantage());
    if (x.oldLogps() != null) floats(o.putArray("old_logps"), x.oldLogps());
    if (x.refLogps() != null) floats(o.putArray("ref_logps"), x.refLogps());
    if (x.thresholds() != null) floats(o.putArray("thresholds"), x.thresholds());
    if (x.samplerLogps() != null) floats(o.putArray("sampler_logps"), x.samplerLogps());
    if (x.policyVersion() != 0) o.put("policy_version", x.policyVersion());
    if (x.envMask() != null) { ArrayNode e = o.putArray("env_mask"); for (int t : x.envMask()) e.add(t); }
  }

  static RolloutRow row(JsonNode o) {
    int[] c = new int[o.get("completion").size()];
    for (int i = 0; i < c.length; i++) c[i] = o.get("completion").get(i).asInt();
    return new RolloutRow(o.get("prompt").asInt(), c, o.get("truncated").asBoolean(), o.get("advantage").asDouble(),
        o.has("old_logps") ? floats(o.get("old_logps")) : null, o.has("ref_logps") ? floats(o.get("ref_logps")) : null,
        o.has("thresholds") ? floats(o.get("thresholds")) : null, o.has("sampler_logps") ? floats(o.get("sampler_logps")) : null,
        o.has("policy_version") ? o.get("policy_version").asLong() : 0, o.has("env_mask") ? ints(o.get("env_mask")) : null);
  }

  private static int[] ints(JsonNode a) {
    int[] v = new int[a.size()];
    for (int i = 0; i < v.length; i++) v[i] = a.get(i).asInt();
    return v;
  }

  private static void floats(ArrayNode a, float[] v) {
    for (float x : v) {
      if (Float.isFinite(x)) a.add(x);
      else a.addNull(); // -inf threshold = whole vocabulary (JSON has no infinities)
    }
  }

  private static float[] floats(JsonNode a) {
    float[] v = new float[a.size()];
    for (int i = 0; i < v.length; i++) v[i] = a.get(i).isNull() ? Float.NEGATIVE_INFINITY : a.get(i).floatValue();
    return v;
  }
}
