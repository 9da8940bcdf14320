package dev.lathe.engine.train.methods;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.engine.align.RunningMean;
import dev.lathe.engine.io.AtomicFiles;
import dev.lathe.engine.io.FormatException;
import dev.lathe.engine.io.JsonFiles;
import dev.lathe.engine.io.PyJson;
import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.train.TensorFile;
import dev.lathe.engine.train.Trainable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The policy plus the state a method keeps beside it: TR-DPO's synced reference (it has drifted from
 * the base model, so a resume cannot reload it from base_model) and bco_pair's running mean of rewards.
 * Both go into checkpoints, so a resumed run continues exactly.
 */
final class RunState implements Trainable {
  static final String REFERENCE = "reference_model.safetensors";
  static final String BCO = "bco_running_mean.json";
  private final PolicyState policy;
  private final CausalLM syncedReference;
  private final RunningMean bco;

  RunState(PolicyState policy, CausalLM syncedReference, RunningMean bco) {
    this.policy = policy;
    this.syncedReference = syncedReference;
    this.bco = bco;
  }

  public Map<String, Tensor> parameters() { return policy.parameters(); }
  public void setTraining(boolean on) { policy.setTraining(on); }
  public void save(Path dir) { policy.save(dir); }
  public void load(Path dir) { policy.load(dir); }
  public void afterBackward() { policy.afterBackward(); }

  @Override
  public void saveState(Path dir) {
    if (syncedReference != null) TensorFile.save(syncedReference.baseParameters(), dir.resolve(REFERENCE));
    if (bco != null) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("mean", bco.mean());
      m.put("var", bco.var());
      m.put("count", bco.count());
      AtomicFiles.writeString(dir.resolve(BCO), PyJson.file(m, false));
    }
  }

  @Override
  public void loadState(Path dir) {
    if (syncedReference != null) {
      Path f = need(dir, REFERENCE, "TR-DPO's synced reference model");
      try (Scope s = Scope.open(); var g = Grad.disabled()) {
        Map<String, Tensor> saved = TensorFile.load(f);
        for (var e : syncedReference.baseParameters().entrySet()) {
          Tensor v = saved.get(e.getKey());
          if (v == null) throw new FormatException(f, "expected tensor '" + e.getKey() + "' of the reference model, found none");
          e.getValue().copy_(v);
        }
      }
    }
    if (bco != null) {
      Path f = need(dir, BCO, "bco_pair's running mean of rewards");
      JsonNode n = JsonFiles.readObject(f);
      bco.restore(n.path("mean").asDouble(), n.path("var").asDouble(), n.path("count").asDouble());
    }
  }

  private static Path need(Path dir, String name, String what) {
    Path f = dir.resolve(name);
    if (!Files.isRegularFile(f)) {
      throw new FormatException(f, "expected " + what + " in this checkpoint, found no file (a checkpoint of a different method or an older Lathe)");
    }
    return f;
  }
}
