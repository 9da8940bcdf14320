package dev.lathe.engine.remote.gym;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * NeMo Gym JSONL rows as GRPO prompt rows (§B.6): the policy prompt is the first user message of
 * responses_create_params.input (else the last item), the row itself is kept as raw JSON text
 * (verify_extra: no schema merging across rows), and the resources server comes from the dataset entry
 * unless the row names a non-agent server. Unlike Axolotl: "~" is expanded before a relative path is
 * joined to the Gym folder, max_samples and the order are drawn from a seed, and a bad row names its
 * file and line.
 */
public final class NemoGymRows {
  public static final String TASK_PROMPT = "task_prompt";
  public static final String VERIFY_EXTRA = "verify_extra";
  public static final String SERVER = "resources_server_ref";
  private static final ObjectMapper JSON = new ObjectMapper();

  private NemoGymRows() {}

  /** One nemo_gym_datasets entry. */
  public record Entry(String path, String serverName, Integer maxSamples) {}

  public static Path resolve(String path, Path gymDir) {
    String p = path.startsWith("~/") || path.equals("~") ? System.getProperty("user.home") + path.substring(1) : path;
    Path q = Path.of(p);
    return (q.isAbsolute() ? q : gymDir.resolve(q)).normalize();
  }

  /** Rows of every entry: {prompt: [{role: user, content}], task_prompt, resources_server_ref: {name}, verify_extra, agent_ref?}. */
  public static List<Map<String, Object>> load(List<Entry> entries, Path gymDir, long seed) {
    List<Map<String, Object>> out = new ArrayList<>();
    Random r = new Random(seed);
    for (Entry e : entries) {
      Path file = resolve(e.path(), gymDir);
      List<String> lines;
      try {
        lines = Files.readAllLines(file);
      } catch (IOException x) {
        throw new UncheckedIOException("nemo_gym_datasets: cannot read " + file + " (path '" + e.path() + "')", x);
      }
      List<Map<String, Object>> rows = new ArrayList<>();
      for (int i = 0; i < lines.size(); i++) if (!lines.get(i).isBlank()) rows.add(row(lines.get(i), file, i + 1, e.serverName()));
      if (e.maxSamples() != null && e.maxSamples() < rows.size()) {
        java.util.Collections.shuffle(rows, r);
        rows = new ArrayList<>(rows.subList(0, e.maxSamples()));
      }
      out.addAll(rows);
    }
    java.util.Collections.shuffle(out, r);
    return out;
  }

  static Map<String, Object> row(String line, Path file, int lineNo, String entryServer) {
    JsonNode j;
    try {
      j = JSON.readTree(line);
    } catch (IOException x) {
      throw new IllegalArgumentException(file + ":" + lineNo + ": not valid JSON: " + x.getMessage());
    }
    JsonNode input = j.path("responses_create_params").path("input");
    String prompt = null;
    if (input.isTextual()) prompt = input.asText();
    else if (input.isArray() && !input.isEmpty()) {
      for (JsonNode m : input) if ("user".equals(m.path("role").asText())) { prompt = m.path("content").asText(); break; }
      if (prompt == null) prompt = input.get(input.size() - 1).path("content").asText();
    }
    if (prompt == null) throw new IllegalArgumentException(file + ":" + lineNo + ": responses_create_params.input is missing or empty");
    String server = entryServer;
    JsonNode ref = j.path("agent_ref");
    if (ref.path("name").isTextual() && !"responses_api_agents".equals(ref.path("type").asText())) server = ref.path("name").asText();
    if (server == null && !ref.path("name").isTextual()) throw new IllegalArgumentException(file + ":" + lineNo + ": no server_name for this dataset and no agent_ref in the row");
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("prompt", List.of(Map.of("role", "user", "content", prompt)));
    row.put(TASK_PROMPT, prompt);
    row.put(SERVER, server == null ? Map.of() : Map.of("name", server));
    row.put(VERIFY_EXTRA, line);
    if (ref.isObject()) row.put("agent_ref", JSON.convertValue(ref, Map.class));
    return row;
  }

  static String serverName(Map<String, Object> row) {
    Object ref = row.get(SERVER);
    if (ref instanceof Map<?, ?> m && m.get("name") instanceof String s) return s;
    throw new IllegalArgumentException("the row has no resources_server_ref.name (not a NeMo Gym row?)");
  }

  static JsonNode verifyExtra(Map<String, Object> row) {
    Object v = row.get(VERIFY_EXTRA);
    try {
      return v instanceof String s ? JSON.readTree(s) : JSON.valueToTree(v == null ? Map.of() : v);
    } catch (IOException e) {
      throw new IllegalArgumentException("verify_extra is not valid JSON: " + e.getMessage());
    }
  }
}
