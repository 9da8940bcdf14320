package dev.lathe.engine.remote;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.engine.generate.Completion;
import dev.lathe.engine.generate.Sampling;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.text.Tokenizer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Client of a TRL/Axolotl-compatible generation server (`lathe serve`, `axolotl vllm-serve`, `trl
 * vllm-serve`, stock vLLM for the LoRA route): health checks, `/generate/` with token-id prompts (n = G,
 * logprobs = 0: token ids and sampler log-probs back), `/reset_prefix_cache/`, and versioned policy
 * updates through adapter files or full weights over HTTP (grpo-spec §16.5). Unlike Axolotl's trainer,
 * a refused update is an error, never a warning that leaves the server on a stale policy.
 */
public final class GenerationClient {
  /** Axolotl splits full-weight updates into batches of at most this many raw bytes. */
  public static final long UPDATE_BATCH_BYTES = 10L << 20;

  private final String base;
  private final Duration timeout;
  private final JsonHttp http;

  /** @param timeout per call (vllm_server_timeout) and the total wait in {@link #waitUntilHealthy} */
  public GenerationClient(String host, int port, Duration timeout) {
    this("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port, timeout);
  }

  public GenerationClient(String baseUrl, Duration timeout) {
    this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.timeout = timeout;
    this.http = new JsonHttp(Duration.ofSeconds(Math.min(10, Math.max(1, timeout.toSeconds()))));
  }

  public String baseUrl() { return base; }

  /** Polls GET /health/ every pollMillis until it answers 200 or the timeout passes (TRL's check_server). */
  public JsonNode waitUntilHealthy(long pollMillis) {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (true) {
      try {
        JsonHttp.Reply r = http.get(base + "/health/", Duration.ofSeconds(5));
        if (r.status() == 200) return r.json();
        last = new RemoteException(base + "/health/ answered HTTP " + r.status() + ": " + JsonHttp.excerpt(r.body()), r.status(), null);
      } catch (RemoteException e) {
        last = e;
      }
      if (System.nanoTime() + pollMillis * 1_000_000 > deadline) {
        throw new RemoteException("the generation server at " + base + " was not healthy within " + timeout.toSeconds()
            + " s (vllm_server_timeout); last: " + last.getMessage(), last instanceof RemoteException re ? re.status() : -1, last);
      }
      sleep(pollMillis);
    }
  }

  public JsonNode health() { return http.get(base + "/health/", timeout).okJson(); }

  public int worldSize() { return health("/get_world_size/").path("world_size").asInt(1); }

  private JsonNode health(String path) { return http.get(base + path, timeout).okJson(); }

  /**
   * POST /generate/: completions prompt-major, numSamples per prompt, with sampler log-probs.
   * Finish reasons are derived (the route returns none): last id in eosIds = eos, max tokens = length,
   * otherwise stop; text is decoded locally when a tokenizer is given. 503s are retried after Retry-After.
   */
  public List<Completion> generate(List<int[]> prompts, Sampling s, Tokenizer tok, long policyVersion) {
    Map<String, Object> body = new LinkedHashMap<>();
    List<List<Integer>> ps = new ArrayList<>();
    for (int[] p : prompts) ps.add(Arrays.stream(p).boxed().toList());
    body.put("prompts", ps);
    body.put("n", s.numSamples());
    body.put("repetition_penalty", s.repetitionPenalty());
    body.put("temperature", s.greedy() ? 0.0 : s.temperature());
    body.put("top_p", s.topP());
    body.put("top_k", s.topK() == 0 ? -1 : s.topK());
    body.put("min_p", s.minP());
    body.put("max_tokens", s.maxNewTokens());
    body.put("logprobs", 0);
    Map<String, Object> kwargs = new LinkedHashMap<>();
    if (s.seed() != null && !s.greedy()) kwargs.put("seed", s.seed());
    if (!s.stopStrings().isEmpty()) kwargs.put("stop", s.stopStrings());
    if (!kwargs.isEmpty()) body.put("generation_kwargs", kwargs);
    JsonNode r = withRetry("/generate/", body, 5);
    return parseGenerate(r, prompts, s, tok, policyVersion);
  }

  private List<Completion> parseGenerate(JsonNode r, List<int[]> prompts, Sampling s, Tokenizer tok, long version) {
    JsonNode ids = r.path("completion_ids");
    JsonNode lps = r.path("logprobs");
    int n = s.numSamples();
    if (!ids.isArray() || ids.size() != prompts.size() * n) {
      throw new RemoteException(base + "/generate/ returned " + (ids.isArray() ? ids.size() : 0) + " completions for "
          + prompts.size() + " prompts x n=" + n, 200, null);
    }
    List<Completion> out = new ArrayList<>();
    Set<Integer> eos = s.eosIds();
    for (int i = 0; i < ids.size(); i++) {
      int[] t = new int[ids.get(i).size()];
      for (int k = 0; k < t.length; k++) t[k] = ids.get(i).get(k).asInt();
      float[] lp = new float[t.length];
      JsonNode row = lps.path(i);
      for (int k = 0; k < t.length; k++) {
        JsonNode v = row.path(k).isArray() ? row.path(k).path(0) : row.path(k);
        lp[k] = v.isNumber() ? (float) v.asDouble() : Float.NaN;
      }
      String finish = t.length > 0 && eos.contains(t[t.length - 1]) ? "eos" : t.length >= s.maxNewTokens() ? "length" : "stop";
      int[] shown = finish.equals("eos") ? Arrays.copyOf(t, t.length - 1) : t;
      String text = tok == null ? null : tok.decode(shown, true);
      if (text != null && finish.equals("stop")) {
        for (String stop : s.stopStrings()) {
          int at = text.indexOf(stop);
          if (at >= 0) text = text.substring(0, at);
        }
      }
      float[] thresholds = new float[t.length];
      Arrays.fill(thresholds, Float.NEGATIVE_INFINITY);
      out.add(new Completion(i / n, i % n, t, text, lp, finish, prompts.get(i / n), thresholds, version));
    }
    return out;
  }

  /** POST /reset_prefix_cache/ (after every weight update, as TRL does). */
  public void resetPrefixCache() { http.post(base + "/reset_prefix_cache/", Map.of(), timeout).okJson(); }

  /**
   * Points the server at a PEFT adapter folder as policy version `version`: stock vLLM's
   * /v1/load_lora_adapter (load_inplace) first, Axolotl's /set_lora_adapter/ when that route is absent;
   * then, when the server reports versions (Lathe does), checks it serves this one; then resets the prefix cache.
   */
  public void syncLora(String name, Path adapterDir, long version) {
    String path = adapterDir.toAbsolutePath().toString();
    JsonHttp.Reply r = http.post(base + "/v1/load_lora_adapter", Map.of("lora_name", name, "lora_path", path, "load_inplace", true), timeout);
    if (r.status() == 404 || r.status() == 405) {
      r = http.post(base + "/set_lora_adapter/", Map.of("lora_name", name, "lora_int_id", version, "lora_path", path), timeout);
    }
    if (!r.ok()) {
      throw new RemoteException("the generation server at " + base + " refused LoRA update v" + version + " (" + path + "): HTTP "
          + r.status() + ": " + JsonHttp.excerpt(r.body()), r.status(), null);
    }
    JsonNode h = health();
    if (h.has("lora_path") && !path.equals(h.path("lora_path").asText())) {
      throw new RemoteException(base + " accepted LoRA update v" + version + " but serves " + h.path("lora_path").asText(), 200, null);
    }
    resetPrefixCache();
  }

  /**
   * Sends full weights over POST /http_update_weights/ (base64 tensors in batches of at most 10 MB) and
   * checks the server's weights_version when it reports one; then resets the prefix cache.
   */
  public void updateWeights(Map<String, Tensor> params, long version) {
    List<Map<String, Object>> batch = new ArrayList<>();
    long bytes = 0;
    for (var e : params.entrySet()) {
      Tensor t = e.getValue();
      byte[] raw = t.toBytes();
      if (!batch.isEmpty() && bytes + raw.length > UPDATE_BATCH_BYTES) {
        sendWeights(batch, version);
        batch = new ArrayList<>();
        bytes = 0;
      }
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("name", e.getKey());
      p.put("dtype", "torch." + t.dtype().torchName);
      p.put("shape", Arrays.stream(t.shape()).boxed().toList());
      p.put("data", Base64.getEncoder().encodeToString(raw));
      batch.add(p);
      bytes += raw.length;
    }
    if (!batch.isEmpty()) sendWeights(batch, version);
    JsonNode h = health();
    if (h.has("weights_version") && h.path("weights_version").asLong() != version) {
      throw new RemoteException(base + " serves weights version " + h.path("weights_version").asLong() + " after update " + version, 200, null);
    }
    resetPrefixCache();
  }

  private void sendWeights(List<Map<String, Object>> batch, long version) {
    JsonHttp.Reply r = http.post(base + "/http_update_weights/", Map.of("params", batch, "version", version), timeout);
    if (!r.ok()) {
      throw new RemoteException("the generation server at " + base + " refused weight update " + version + ": HTTP " + r.status()
          + ": " + JsonHttp.excerpt(r.body()), r.status(), null);
    }
  }

  // 502/503 are retried (TRL retries 5 times with back-off); other failures are reported at once
  private JsonNode withRetry(String path, Object body, int attempts) {
    for (int a = 1; ; a++) {
      JsonHttp.Reply r = http.post(base + path, body, timeout);
      if (r.ok()) return r.json();
      if ((r.status() == 503 || r.status() == 502) && a < attempts) {
        sleep(1000L * r.retryAfter().map(Long::parseLong).orElse((long) a * 2));
        continue;
      }
      throw new RemoteException(base + path + " answered HTTP " + r.status() + (a > 1 ? " after " + a + " attempts" : "") + ": "
          + JsonHttp.excerpt(r.body()), r.status(), null);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RemoteException("interrupted", -1, e);
    }
  }
}
