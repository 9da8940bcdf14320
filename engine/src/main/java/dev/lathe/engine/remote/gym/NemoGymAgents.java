package dev.lathe.engine.remote.gym;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.engine.remote.JsonHttp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * NeMo Gym multi-turn rollouts through agent servers' POST /run (§B.8): every row concurrently (bounded),
 * routed by agent_ref.name (with no name: the only agent, or an error when there are several), each with a
 * per-rollout deadline (nemo_gym_run_timeout). The agent's model calls go to an OpenAI-compatible server
 * serving the current policy (`lathe serve`). Responses are parsed into token-level rollouts with a
 * prefix check Axolotl lacks: each turn's prompt must extend the previous prompt + generation, or the
 * rollout fails with a message saying where the tokens diverge.
 */
public final class NemoGymAgents {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, String> agents;
  private final Duration timeout;
  private final Semaphore inFlight;
  private final JsonHttp http = new JsonHttp(Duration.ofSeconds(10));

  /** @param agents agent top-level name -> http://host:port */
  public NemoGymAgents(Map<String, String> agents, Duration runTimeout, int maxInFlight) {
    this.agents = Map.copyOf(agents);
    this.timeout = runTimeout;
    this.inFlight = new Semaphore(maxInFlight);
  }

  /**
   * Runs every row (already repeated G times, one rollout each). maxOutputTokens is set when the row has
   * none (per model call); temperature and top_p are the trainer's.
   */
  public List<AgentRollout> run(List<Map<String, Object>> rows, int maxOutputTokens, double temperature, double topP) {
    List<CompletableFuture<AgentRollout>> calls = new ArrayList<>();
    for (Map<String, Object> row : rows) calls.add(call(row, maxOutputTokens, temperature, topP));
    return calls.stream().map(CompletableFuture::join).toList();
  }

  private CompletableFuture<AgentRollout> call(Map<String, Object> row, int maxOut, double temperature, double topP) {
    ObjectNode body;
    String url;
    try {
      body = (ObjectNode) NemoGymRows.verifyExtra(row).deepCopy();
      if (!body.has("agent_ref") && row.get("agent_ref") != null) body.set("agent_ref", JSON.valueToTree(row.get("agent_ref")));
      ObjectNode params = body.has("responses_create_params") ? (ObjectNode) body.get("responses_create_params") : body.putObject("responses_create_params");
      if (!params.hasNonNull("max_output_tokens")) params.put("max_output_tokens", maxOut);
      params.put("temperature", temperature);
      params.put("top_p", topP);
      url = route(body.path("agent_ref").path("name").asText(null)) + "/run";
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(failed(e.getMessage()));
    }
    inFlight.acquireUninterruptibly();
    return http.postAsync(url, body, timeout).handle((reply, err) -> {
      inFlight.release();
      if (err != null) return failed((err.getCause() != null ? err.getCause() : err).getMessage());
      if (!reply.ok()) return failed(url + " answered HTTP " + reply.status() + ": " + reply.body().substring(0, Math.min(200, reply.body().length())));
      try {
        return parse(reply.json());
      } catch (RuntimeException e) {
        String why = String.valueOf(e.getMessage());
        return failed(why.startsWith(url) ? why : url + ": " + why);
      }
    });
  }

  private String route(String name) {
    if (name != null && agents.containsKey(name)) return agents.get(name);
    if (name == null && agents.size() == 1) return agents.values().iterator().next();
    throw new IllegalArgumentException("no agent server " + (name == null ? "given (agent_ref.name) and " + agents.size() + " discovered"
        : "named '" + name + "'") + "; discovered: " + agents.keySet());
  }

  static AgentRollout failed(String why) {
    return new AgentRollout(new int[0], new int[0], new int[0], new float[0], Double.NaN, 0, why);
  }

  /** The verify response of /run -> one rollout (public for specs of the documented example). */
  public static AgentRollout parse(JsonNode r) {
    JsonNode reward = r.get("reward");
    if (reward == null || !reward.isNumber()) throw new IllegalArgumentException("the /run answer has no numeric 'reward'");
    List<Integer> prompt = null;
    List<Integer> seen = null;
    List<Integer> ids = new ArrayList<>();
    List<Integer> mask = new ArrayList<>();
    List<Float> lps = new ArrayList<>();
    int turns = 0;
    for (JsonNode item : r.path("response").path("output")) {
      if (!item.has("generation_token_ids")) continue;
      List<Integer> p = ints(item.path("prompt_token_ids"));
      List<Integer> g = ints(item.path("generation_token_ids"));
      JsonNode lp = item.path("generation_log_probs");
      if (lp.size() != g.size()) throw new IllegalArgumentException("turn " + (turns + 1) + ": " + g.size() + " generated tokens but " + lp.size() + " log-probs");
      if (seen == null) {
        prompt = p;
      } else {
        int k = 0;
        while (k < seen.size() && k < p.size() && seen.get(k).equals(p.get(k))) k++;
        if (k < seen.size()) {
          throw new IllegalArgumentException("turn " + (turns + 1) + "'s prompt does not extend the previous turns: tokens diverge at "
              + k + " of " + seen.size() + " (the chat template rewrote history?)");
        }
        for (int x : p.subList(seen.size(), p.size())) { ids.add(x); mask.add(0); lps.add(0f); }
      }
      for (int i = 0; i < g.size(); i++) { ids.add(g.get(i)); mask.add(1); lps.add((float) lp.get(i).asDouble()); }
      seen = new ArrayList<>(p);
      seen.addAll(g);
      turns++;
    }
    if (turns == 0) return new AgentRollout(new int[0], new int[0], new int[0], new float[0], Double.NaN, 0,
        "the agent's answer has no model turn with token ids (is the model server returning token ids?)");
    float[] f = new float[lps.size()];
    for (int i = 0; i < f.length; i++) f[i] = lps.get(i);
    return new AgentRollout(toArray(prompt), toArray(ids), toArray(mask), f, reward.asDouble(), turns, null);
  }

  private static List<Integer> ints(JsonNode a) {
    if (!a.isArray()) throw new IllegalArgumentException("expected a list of token ids, found " + a.getNodeType());
    List<Integer> out = new ArrayList<>();
    for (JsonNode x : a) out.add(x.asInt());
    return out;
  }

  private static int[] toArray(List<Integer> l) { return l.stream().mapToInt(Integer::intValue).toArray(); }
}
