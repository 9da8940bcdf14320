package dev.lathe.engine.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * JSON over the JDK's HTTP client (no dependency): one shared client per server so connections are
 * reused (HTTP/1.1 keep-alive), per-call timeouts, and failures turned into {@link RemoteException}s that
 * say which URL did what: refused, timed out after N s, or answered status S with this body.
 */
public final class JsonHttp {
  static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient client;

  public JsonHttp(Duration connectTimeout) {
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout).build();
  }

  /** The reply of a call that got an HTTP answer (any status). */
  public record Reply(String url, int status, String body, java.util.Optional<String> retryAfter) {
    public boolean ok() { return status / 100 == 2; }

    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new RemoteException(url + " answered " + status + " with a body that is not JSON: " + excerpt(body), status, e);
      }
    }

    /** The JSON body of a 2xx answer, else a RemoteException with the status and the body's start. */
    public JsonNode okJson() {
      if (!ok()) throw new RemoteException(url + " answered HTTP " + status + ": " + excerpt(body), status, null);
      return json();
    }
  }

  public Reply post(String url, Object body, Duration timeout) { return send(request(url, timeout).POST(publisher(body)).build(), timeout); }

  public Reply get(String url, Duration timeout) { return send(request(url, timeout).GET().build(), timeout); }

  /** Asynchronous POST; the future fails with a RemoteException. */
  public CompletableFuture<Reply> postAsync(String url, Object body, Duration timeout) {
    HttpRequest r = request(url, timeout).POST(publisher(body)).build();
    return client.sendAsync(r, HttpResponse.BodyHandlers.ofString())
        .handle((resp, err) -> {
          if (err != null) throw failure(url, timeout, err instanceof java.util.concurrent.CompletionException c && c.getCause() != null ? c.getCause() : err);
          return new Reply(url, resp.statusCode(), resp.body(), resp.headers().firstValue("retry-after"));
        });
  }

  private static HttpRequest.Builder request(String url, Duration timeout) {
    return HttpRequest.newBuilder(URI.create(url)).timeout(timeout).header("Content-Type", "application/json");
  }

  private static HttpRequest.BodyPublisher publisher(Object body) {
    try {
      return HttpRequest.BodyPublishers.ofByteArray(body instanceof String s ? s.getBytes(java.nio.charset.StandardCharsets.UTF_8) : JSON.writeValueAsBytes(body));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot encode the request body as JSON: " + e.getMessage(), e);
    }
  }

  private Reply send(HttpRequest r, Duration timeout) {
    String url = r.uri().toString();
    try {
      HttpResponse<String> resp = client.send(r, HttpResponse.BodyHandlers.ofString());
      return new Reply(url, resp.statusCode(), resp.body(), resp.headers().firstValue("retry-after"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RemoteException("interrupted while waiting for " + url, -1, e);
    } catch (IOException e) {
      throw failure(url, timeout, e);
    }
  }

  static RemoteException failure(String url, Duration timeout, Throwable e) {
    if (e instanceof RemoteException r) return r;
    if (e instanceof HttpTimeoutException) {
      return new RemoteException(url + " did not answer within " + timeout.toMillis() / 1000.0 + " s (server too slow or stuck)", -1, e);
    }
    if (e instanceof ConnectException) return new RemoteException("no server at " + url + " (connection refused): is it running?", -1, e);
    return new RemoteException("cannot reach " + url + ": " + e, -1, e);
  }

  static String excerpt(String s) { return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "..." : s; }
}
