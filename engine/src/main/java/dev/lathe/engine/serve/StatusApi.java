package dev.lathe.engine.serve;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** GET /v1/models, GET /health/ (TRL's liveness plus the served policy's versions), POST /reset_prefix_cache/. */
final class StatusApi {
  private final ServeContext ctx;
  private final WeightsApi weights;

  StatusApi(ServeContext ctx, WeightsApi weights) {
    this.ctx = ctx;
    this.weights = weights;
  }

  void models(Exchange ex) throws Exception {
    List<Object> data = new ArrayList<>();
    for (String name : ctx.modelNames()) {
      Map<String, Object> m = new LinkedHashMap<>();
      boolean base = name.equals(ctx.model.name());
      m.put("id", name);
      m.put("object", "model");
      m.put("created", ctx.now());
      m.put("owned_by", "lathe");
      m.put("root", base ? name : String.valueOf(ctx.model.adapters().path()));
      m.put("parent", base ? null : ctx.model.name());
      m.put("max_model_len", ctx.model.maxModelLen());
      data.add(m);
    }
    ex.send(200, Map.of("object", "list", "data", data));
  }

  void health(Exchange ex) throws Exception {
    Map<String, Object> r = weights.adapterStatus();
    boolean ok = ctx.loop.isAccepting();
    r.put("status", ok ? "ok" : "draining");
    r.put("model", ctx.model.name());
    r.put("pending_rows", ctx.loop.pendingRows());
    r.put("cancelled_jobs", ctx.loop.cancelledJobs());
    r.put("completion_tokens", ctx.loop.completionTokens());
    r.put("decode_steps", ctx.loop.steps());
    r.put("live_rows", ctx.loop.liveRows());
    ex.send(ok ? 200 : 503, r);
  }

  // Lathe keeps no KV cache between batches, so there is nothing stale to drop; the answer is TRL's
  void resetPrefixCache(Exchange ex) throws Exception {
    ex.send(200, Map.of("message", "Request to reset prefix cache received, status: True"));
  }
}
