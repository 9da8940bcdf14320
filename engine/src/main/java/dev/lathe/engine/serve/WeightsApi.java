package dev.lathe.engine.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.engine.tensor.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Policy updates from a trainer, each applied on the decode thread between batches, in arrival order
 * (requests queued before an update finish with the old weights), and versioned so the trainer can
 * confirm through /health/ which policy is served:
 * <ul>
 *   <li>POST /set_lora_adapter/ {lora_name, lora_int_id, lora_path} (Axolotl; version = lora_int_id);
 *   <li>POST /v1/load_lora_adapter {lora_name, lora_path, load_inplace} (stock vLLM; version + 1);
 *   <li>POST /clear_lora_adapter/ back to the base weights;
 *   <li>POST /http_update_weights/ {params: [{name, dtype, shape, data: base64}], version?} full weights.
 * </ul>
 */
final class WeightsApi {
  private final ServeContext ctx;

  WeightsApi(ServeContext ctx) { this.ctx = ctx; }

  void setLora(Exchange ex) throws Exception {
    JsonNode b = ex.json();
    Fields.onlyKnown(b, Set.of("lora_name", "lora_int_id", "lora_path", "load_inplace"), Set.of());
    String name = Fields.requiredString(b, "lora_name");
    long version = Fields.integer(b, "lora_int_id", (int) ctx.model.adapters().version() + 1, 1, Integer.MAX_VALUE);
    Path path = Path.of(Fields.requiredString(b, "lora_path"));
    ctx.loop.control(() -> {
      loadChecked(name, path, version);
      return null;
    }).get();
    ex.send(200, adapterStatus());
  }

  void loadLora(Exchange ex) throws Exception {
    JsonNode b = ex.json();
    Fields.onlyKnown(b, Set.of("lora_name", "lora_path", "load_inplace"), Set.of());
    String name = Fields.requiredString(b, "lora_name");
    Path path = Path.of(Fields.requiredString(b, "lora_path"));
    boolean inplace = Fields.bool(b, "load_inplace", false);
    if (!inplace && name.equals(ctx.model.adapters().name())) {
      throw new BadRequest("lora_name", "the adapter '" + name + "' is already loaded; pass load_inplace: true to replace it");
    }
    ctx.loop.control(() -> {
      loadChecked(name, path, ctx.model.adapters().version() + 1);
      return null;
    }).get();
    Map<String, Object> r = adapterStatus();
    r.put("message", "Success: LoRA adapter '" + name + "' added successfully.");
    ex.send(200, r);
  }

  // a folder that does not parse is the caller's mistake (400 naming lora_path), not a server error
  private void loadChecked(String name, Path path, long version) {
    try {
      ctx.model.adapters().load(name, path, version);
    } catch (BadRequest e) {
      throw e;
    } catch (IllegalArgumentException | IllegalStateException | java.io.UncheckedIOException
        | dev.lathe.engine.io.FormatException e) {
      throw new BadRequest("lora_path", e.getMessage());
    }
  }

  void clearLora(Exchange ex) throws Exception {
    ctx.loop.control(() -> {
      ctx.model.adapters().clear();
      return null;
    }).get();
    ex.send(200, adapterStatus());
  }

  void updateWeights(Exchange ex) throws Exception {
    JsonNode b = ex.json();
    Fields.onlyKnown(b, Set.of("params", "version"), Set.of());
    JsonNode params = Fields.requiredArray(b, "params");
    long version = Fields.integer(b, "version", 0, 0, Integer.MAX_VALUE);
    List<Adapters.Update> updates = new ArrayList<>();
    for (int i = 0; i < params.size(); i++) updates.add(update(params.get(i), "params[" + i + "]"));
    ctx.loop.control(() -> {
      ctx.model.adapters().updateWeights(updates, version);
      return null;
    }).get();
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("status", "ok");
    r.put("updated", updates.size());
    r.put("weights_version", ctx.model.adapters().weightsVersion());
    ex.send(200, r);
  }

  private static Adapters.Update update(JsonNode p, String at) {
    if (!p.isObject()) throw new BadRequest(at, "expected {name, dtype, shape, data}, found " + Fields.describe(p));
    String name = Fields.requiredString(p, "name");
    DType dt;
    try {
      dt = DType.parse(Fields.requiredString(p, "dtype"));
    } catch (IllegalArgumentException e) {
      throw new BadRequest(at + ".dtype", e.getMessage());
    }
    if (!dt.isFloating()) throw new BadRequest(at + ".dtype", "weights must be a floating type, got " + dt.torchName);
    JsonNode shape = p.get("shape");
    if (shape == null || !shape.isArray()) throw new BadRequest(at + ".shape", "expected a list of sizes");
    long[] dims = new long[shape.size()];
    for (int k = 0; k < dims.length; k++) {
      if (!shape.get(k).isIntegralNumber() || shape.get(k).asLong() < 0) throw new BadRequest(at + ".shape", "sizes must be integers >= 0");
      dims[k] = shape.get(k).asLong();
    }
    byte[] data;
    try {
      data = Base64.getDecoder().decode(Fields.requiredString(p, "data"));
    } catch (IllegalArgumentException e) {
      throw new BadRequest(at + ".data", "not valid base64: " + e.getMessage());
    }
    return new Adapters.Update(name, dt, dims, data);
  }

  Map<String, Object> adapterStatus() {
    Adapters a = ctx.model.adapters();
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("status", "ok");
    r.put("lora_name", a.name());
    r.put("lora_int_id", a.name() == null ? null : a.version());
    r.put("lora_path", a.path() == null ? null : a.path().toString());
    r.put("weights_version", a.weightsVersion());
    return r;
  }
}
