package dev.lathe.engine.remote.gym;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.engine.remote.JsonHttp;
import dev.lathe.engine.remote.RemoteException;
import dev.lathe.engine.reward.Reward;
import dev.lathe.engine.reward.Sample;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * NeMo Gym single-turn rewards (ebft-nemogym.md §B.7) as one per-group {@link Reward} named "nemo_gym":
 * one POST /verify per completion, all of a group's calls in flight at once over one HTTP client
 * (connections reused), each bounded by nemo_gym_verify_timeout. A call that fails (no answer, timeout,
 * non-2xx, no numeric "reward") makes that sample unscorable (null: the runner counts it and the
 * advantage code treats it as missing), is counted here and logged with the server and the reason; it is
 * never a silent 0.
 *
 * <p>The request body is the dataset row's own JSON (verify_extra, null fields dropped) plus the
 * policy's answer as a NeMo Gym Response; unlike Axolotl the row's own responses_create_params are kept
 * (environments may verify against its tools or system prompt), and the function is added once (no
 * doubled reward).
 */
public final class NemoGymVerifier {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, String> verifyUrls;
  private final String modelName;
  private final Duration timeout;
  private final JsonHttp http = new JsonHttp(Duration.ofSeconds(10));
  private final Semaphore inFlight;
  private final PrintStream log;
  private final AtomicLong failures = new AtomicLong();

  /** @param verifyUrls resources-server name (top-level or inner) -> http://host:port/verify */
  public NemoGymVerifier(Map<String, String> verifyUrls, String modelName, Duration timeout, int maxInFlight, PrintStream log) {
    this.verifyUrls = Map.copyOf(verifyUrls);
    this.modelName = modelName;
    this.timeout = timeout;
    this.inFlight = new Semaphore(maxInFlight);
    this.log = log;
  }

  public Reward reward() { return Reward.ofGroup("nemo_gym", 1.0, this::scoreGroup); }

  /** Calls that failed so far (each one an unscorable sample). */
  public long failures() { return failures.get(); }

  List<Double> scoreGroup(List<Sample> group) {
    List<CompletableFuture<Double>> calls = new ArrayList<>();
    for (Sample s : group) calls.add(call(s));
    List<Double> out = new ArrayList<>();
    for (CompletableFuture<Double> f : calls) out.add(f.join());
    return out;
  }

  private CompletableFuture<Double> call(Sample s) {
    String server;
    ObjectNode body;
    try {
      server = NemoGymRows.serverName(s.row());
      body = request(s);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(fail(s, "?", e.getMessage()));
    }
    String url = verifyUrls.get(server);
    if (url == null) return CompletableFuture.completedFuture(fail(s, server, "no resources server named '" + server + "' was discovered " + verifyUrls.keySet()));
    inFlight.acquireUninterruptibly();
    return http.postAsync(url, body, timeout).handle((reply, err) -> {
      inFlight.release();
      if (err != null) return fail(s, server, (err.getCause() != null ? err.getCause() : err).getMessage());
      if (!reply.ok()) return fail(s, server, "HTTP " + reply.status() + ": " + reply.body().substring(0, Math.min(200, reply.body().length())));
      try {
        JsonNode r = reply.json().get("reward");
        if (r == null || !r.isNumber() || !Double.isFinite(r.asDouble())) return fail(s, server, "the answer has no finite numeric 'reward': " + r);
        return r.asDouble();
      } catch (RemoteException e) {
        return fail(s, server, e.getMessage());
      }
    });
  }

  private Double fail(Sample s, String server, String why) {
    failures.incrementAndGet();
    log.println("nemo_gym: /verify on '" + server + "' failed for " + s.describe() + ": " + why + " (sample left unscored)");
    return null;
  }

  ObjectNode request(Sample s) {
    ObjectNode body = JSON.createObjectNode();
    JsonNode extra = NemoGymRows.verifyExtra(s.row());
    extra.properties().forEach(e -> { if (!e.getValue().isNull()) body.set(e.getKey(), e.getValue()); });
    if (!body.has("responses_create_params")) {
      ObjectNode p = body.putObject("responses_create_params");
      p.putArray("input").addObject().put("role", "user").put("content", String.valueOf(s.row().get(NemoGymRows.TASK_PROMPT)));
    }
    ObjectNode resp = body.putObject("response");
    resp.put("id", "resp-" + s.index());
    resp.put("created_at", 0);
    resp.put("model", modelName);
    resp.put("object", "response");
    ArrayNode output = resp.putArray("output");
    ObjectNode msg = output.addObject();
    msg.put("id", "msg-" + s.index());
    msg.put("role", "assistant");
    msg.put("type", "message");
    msg.put("status", "completed");
    ObjectNode text = msg.putArray("content").addObject();
    text.put("type", "output_text");
    text.put("text", s.completion() == null ? "" : s.completion());
    text.putArray("annotations");
    resp.put("parallel_tool_calls", true);
    resp.put("tool_choice", "auto");
    resp.putArray("tools");
    return body;
  }
}
