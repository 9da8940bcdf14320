package dev.lathe.engine.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

/**
 * One HTTP request/response pair as the API classes see it: the JSON body (size-limited, parsed once),
 * blocking JSON replies and a server-sent-event stream. Writes block while the client is slow (TCP
 * backpressure); a write to a client that went away throws, which the stream turns into a cancel.
 */
final class Exchange {
  static final ObjectMapper JSON = new ObjectMapper();

  private final Request request;
  private final Response response;
  private final long maxBodyBytes;
  private JsonNode body;

  Exchange(Request request, Response response, long maxBodyBytes) {
    this.request = request;
    this.response = response;
    this.maxBodyBytes = maxBodyBytes;
  }

  String method() { return request.getMethod(); }

  /** The path without a trailing slash ("/generate/" and "/generate" are one route). */
  String path() {
    String p = Request.getPathInContext(request);
    return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }

  /** The body as a JSON object; malformed JSON or another type is a 400 naming the body. */
  JsonNode json() throws IOException {
    if (body != null) return body;
    long declared = request.getLength();
    if (declared > maxBodyBytes) throw new BadRequest(413, null, "request body of " + declared + " bytes exceeds the limit of " + maxBodyBytes);
    byte[] bytes;
    try (InputStream in = Content.Source.asInputStream(request)) {
      bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
    }
    if (bytes.length > maxBodyBytes) throw new BadRequest(413, null, "request body exceeds the limit of " + maxBodyBytes + " bytes");
    if (bytes.length == 0) throw new BadRequest("body", "empty request body: expected a JSON object");
    try {
      body = JSON.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new BadRequest("body", "not valid JSON: " + e.getOriginalMessage() + " at line " + e.getLocation().getLineNr()
          + ", column " + e.getLocation().getColumnNr());
    }
    if (body == null || !body.isObject()) {
      throw new BadRequest("body", "expected a JSON object, found " + (body == null ? "nothing" : Fields.describe(body)));
    }
    return body;
  }

  /** Registers a callback for a connection failure while the request is being handled (client gone). */
  void onFailure(Runnable r) { request.addFailureListener(t -> r.run()); }

  private boolean pipelined;

  /**
   * Whether the client has closed its connection. Jetty notices a peer's FIN only when someone reads, and
   * nobody reads while a handler waits for the decode thread; so this reads the socket itself once the
   * request body is consumed: -1 = gone. Bytes instead mean a pipelined next request, which this
   * connection can no longer serve: the response then carries "Connection: close" and the client
   * retries that request on a new connection (what HTTP/1.1 requires of pipelining clients).
   */
  boolean clientGone() {
    EndPoint ep = request.getConnectionMetaData().getConnection().getEndPoint();
    if (!ep.isOpen() || ep.isInputShutdown()) return true;
    if (pipelined) return false;
    try {
      ByteBuffer probe = BufferUtil.allocate(1);
      int n = ep.fill(probe);
      if (n < 0) return true;
      if (n > 0) {
        pipelined = true;
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
      }
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  void send(int status, Object value) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(value);
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    Content.Sink.write(response, true, ByteBuffer.wrap(bytes));
  }

  void header(String name, String value) { response.getHeaders().put(name, value); }

  /** Starts (first call) or continues an event stream (200, text/event-stream); the status is committed with the first event. */
  Events events() {
    if (events != null) return events;
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
    events = new Events();
    return events;
  }

  private Events events;

  /** Server-sent events: "data: JSON\n\n" per event, "data: [DONE]\n\n" at the end, each flushed. */
  final class Events {
    void send(Object value) throws IOException { write("data: " + JSON.writeValueAsString(value) + "\n\n", false); }

    void done() throws IOException { write("data: [DONE]\n\n", true); }

    private void write(String s, boolean last) throws IOException {
      Content.Sink.write(response, last, ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8)));
    }
  }
}
