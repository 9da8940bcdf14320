package dev.lathe.engine.serve;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Routes requests to the API classes and turns failures into HTTP answers: {@link BadRequest} → 4xx
 * naming the field, {@link Overloaded} → 503 + Retry-After, anything else → 500 with the message (and
 * a log line). Errors use OpenAI's shape {"error": {message, type, param, code}} plus FastAPI's
 * "detail", which TRL's client prints.
 */
final class Router extends Handler.Abstract {
  private static final Logger LOG = Logger.getLogger(Router.class.getName());

  interface Route {
    void handle(Exchange ex) throws Exception;
  }

  private final Map<String, Route> routes = new LinkedHashMap<>();
  private final long maxBodyBytes;

  Router(ServeContext ctx, long maxBodyBytes) {
    this.maxBodyBytes = maxBodyBytes;
    CompletionsApi completions = new CompletionsApi(ctx);
    ChatApi chat = new ChatApi(ctx);
    TrlApi trl = new TrlApi(ctx);
    WeightsApi weights = new WeightsApi(ctx);
    StatusApi status = new StatusApi(ctx, weights);
    routes.put("GET /v1/models", status::models);
    routes.put("POST /v1/completions", completions::handle);
    routes.put("POST /v1/chat/completions", chat::handle);
    routes.put("POST /v1/responses", new ResponsesApi(ctx)::handle);
    routes.put("GET /health", status::health);
    routes.put("GET /get_world_size", ex -> ex.send(200, Map.of("world_size", 1)));
    routes.put("POST /generate", trl::generate);
    routes.put("POST /chat", trl::chat);
    routes.put("POST /reset_prefix_cache", status::resetPrefixCache);
    routes.put("POST /set_lora_adapter", weights::setLora);
    routes.put("POST /clear_lora_adapter", weights::clearLora);
    routes.put("POST /v1/load_lora_adapter", weights::loadLora);
    routes.put("POST /http_update_weights", weights::updateWeights);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    Exchange ex = new Exchange(request, response, maxBodyBytes);
    try {
      Route r = routes.get(ex.method() + " " + ex.path());
      if (r == null) throw unknown(ex);
      r.handle(ex);
      callback.succeeded();
    } catch (ServeContext.ClientGone e) {
      callback.failed(e);
    } catch (Throwable t) {
      fail(ex, response, callback, t);
    }
    return true;
  }

  private BadRequest unknown(Exchange ex) {
    for (String k : routes.keySet()) {
      if (k.endsWith(" " + ex.path())) return new BadRequest(405, null, ex.method() + " is not allowed on " + ex.path() + " (" + k + ")");
    }
    return new BadRequest(404, null, "no route " + ex.method() + " " + ex.path());
  }

  private void fail(Exchange ex, Response response, Callback callback, Throwable t) {
    while ((t instanceof java.util.concurrent.ExecutionException || t instanceof java.util.concurrent.CompletionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (response.isCommitted()) {
      // an event stream already started: all we can do is cut it (the client sees an incomplete stream)
      LOG.log(Level.FINE, "response failed after commit", t);
      callback.failed(t);
      return;
    }
    int status;
    String type;
    String param = null;
    if (t instanceof BadRequest b) {
      status = b.status();
      type = "invalid_request_error";
      param = b.field();
    } else if (t instanceof Overloaded o) {
      status = 503;
      type = "overloaded";
      ex.header("Retry-After", Integer.toString(o.retryAfterSeconds()));
    } else {
      status = 500;
      type = "internal_error";
      LOG.log(Level.WARNING, "request failed", t);
    }
    Map<String, Object> err = new LinkedHashMap<>();
    String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    err.put("message", message);
    err.put("type", type);
    err.put("param", param);
    err.put("code", status);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", err);
    body.put("detail", message);
    try {
      ex.send(status, body);
      callback.succeeded();
    } catch (Throwable w) {
      callback.failed(w);
    }
  }

}
