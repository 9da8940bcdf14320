package dev.lathe.engine.serve;

import dev.lathe.engine.io.SafetensorsCheckpoint;
import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.model.HfWeights;
import dev.lathe.engine.model.PeftAdapters;
import dev.lathe.engine.nn.LoraSpec;
import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The served model's single LoRA slot and its weight updates. vLLM keeps several adapters resident;
 * Lathe keeps one (the trainer's current policy), swapped in place: a new adapter of the same shape
 * (rank, alpha, targets) overwrites the slot's weights, so a sync costs one file read and no
 * re-allocation. Every method runs on the decode thread (it touches tensors).
 */
final class Adapters {
  private final CausalLM model;
  private volatile String name;
  private volatile Path path;
  private volatile long version;
  private volatile long weightsVersion;

  private final boolean pinned;

  /** @param pinned a trainer's live policy: its LoRA stays as the trainer set it, and no route may change its weights */
  Adapters(CausalLM model, boolean pinned) {
    this.model = model;
    this.pinned = pinned;
    if (!pinned) model.adapters().set(false);
  }

  private void refuseIfPinned(String field) {
    if (pinned) throw new BadRequest(409, field, "this server serves a trainer's live policy: its weights change only by training");
  }

  /** Loads (or swaps in) the PEFT adapter at dir under name; every check happens before any weight changes. */
  void load(String loraName, Path dir, long newVersion) {
    refuseIfPinned("lora_path");
    if (!Files.isDirectory(dir)) throw new BadRequest("lora_path", "no adapter folder at " + dir);
    if (!Files.isRegularFile(dir.resolve(PeftAdapters.CONFIG))) {
      throw new BadRequest("lora_path", dir + " has no " + PeftAdapters.CONFIG + " (a PEFT adapter folder is expected)");
    }
    LoraSpec incoming = PeftAdapters.readSpec(dir);
    if (model.loraSpec() == null) {
      PeftAdapters.load(model, dir);
    } else {
      LoraSpec have = model.loraSpec();
      boolean same = have.r() == incoming.r() && have.alpha() == incoming.alpha() && have.rsLora() == incoming.rsLora()
          && (have.allLinear() ? incoming.allLinear() : java.util.Set.copyOf(have.targets()).equals(java.util.Set.copyOf(incoming.targets())));
      if (!same) {
        throw new BadRequest("lora_path", "the adapter at " + dir + " has r=" + incoming.r() + ", alpha=" + incoming.alpha()
            + ", targets=" + incoming.targets() + "; the served slot holds r=" + have.r() + ", alpha=" + have.alpha()
            + ", targets=" + have.targets() + " (restart the server to change the adapter's shape)");
      }
      Path file = dir.resolve(PeftAdapters.WEIGHTS);
      try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(file)) {
        for (var e : model.adapterParameters().entrySet()) {
          String key = PeftAdapters.PREFIX + e.getKey();
          if (!ck.contains(key)) throw new BadRequest("lora_path", file + " lacks weight '" + key + "'");
          if (!Arrays.equals(ck.entry(key).shape(), e.getValue().shape())) {
            throw new BadRequest("lora_path", file + ": weight '" + key + "' has shape " + Arrays.toString(ck.entry(key).shape())
                + ", the slot expects " + Arrays.toString(e.getValue().shape()));
          }
        }
        HfWeights.load(model.adapterParameters(), ck, file, PeftAdapters.PREFIX, n -> false);
      }
    }
    model.adapters().set(true);
    name = loraName;
    path = dir;
    version = newVersion;
  }

  /** Reverts to the base weights (the adapter stays loaded but disabled). */
  void clear() {
    refuseIfPinned("lora_name");
    model.adapters().set(false);
    name = null;
    path = null;
  }

  String name() { return name; }

  Path path() { return path; }

  long version() { return version; }

  long weightsVersion() { return weightsVersion; }

  /** True when requests naming `requested` should run with the adapter on. */
  boolean selects(String requested) { return name != null && name.equals(requested); }

  void enable(boolean on) {
    if (!pinned) model.adapters().set(on && name != null);
  }

  /** One tensor of a full-weight update, raw little-endian bytes as numpy/torch write them. */
  record Update(String name, DType dtype, long[] shape, byte[] data) {}

  /** Copies every tensor into the named base parameter after checking them all; bumps the weights version. */
  void updateWeights(List<Update> updates, long newVersion) {
    refuseIfPinned("params");
    Map<String, Tensor> params = model.baseParameters();
    for (int i = 0; i < updates.size(); i++) {
      Update u = updates.get(i);
      String field = "params[" + i + "]";
      Tensor dst = params.get(u.name());
      if (dst == null) throw new BadRequest(field + ".name", "the model has no parameter '" + u.name() + "'");
      if (!Arrays.equals(dst.shape(), u.shape())) {
        throw new BadRequest(field + ".shape", "'" + u.name() + "' is " + Arrays.toString(dst.shape()) + ", got " + Arrays.toString(u.shape()));
      }
      long want = Arrays.stream(u.shape()).reduce(1, (a, b) -> a * b) * u.dtype().byteSize;
      if (u.data().length != want) {
        throw new BadRequest(field + ".data", "'" + u.name() + "': " + u.data().length + " bytes, expected " + want + " for "
            + u.dtype().torchName + " " + Arrays.toString(u.shape()));
      }
    }
    for (Update u : updates) {
      try (Scope s = Scope.open()) {
        Tensor src = Tensors.fromBytes(u.data(), u.dtype(), u.shape());
        Tensor dst = params.get(u.name());
        try (var g = dev.lathe.engine.tensor.Grad.disabled()) {
          dst.copy_(src.dtype() == dst.dtype() ? src : src.to(dst.dtype()));
        }
      }
    }
    weightsVersion = newVersion > 0 ? newVersion : weightsVersion + 1;
  }
}
