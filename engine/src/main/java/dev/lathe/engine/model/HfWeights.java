package dev.lathe.engine.model;

import dev.lathe.engine.io.FormatException;
import dev.lathe.engine.io.SafetensorsCheckpoint;
import dev.lathe.engine.io.SafetensorsEntry;
import dev.lathe.engine.io.SafetensorsTensors;
import dev.lathe.engine.io.SafetensorsWriter;
import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Moves weights between a module's HF-named parameters and safetensors checkpoints (single
 * file or shards with an index). Every expected weight must be present with the right shape,
 * and nothing unexpected may be left over; errors name the weight and the file.
 */
public final class HfWeights {
  private HfWeights() {}

  /**
   * Copies the checkpoint's tensors into params (converted to each parameter's dtype).
   *
   * @param prefix prepended to parameter names to get checkpoint names ("" for HF models,
   *     "base_model.model." for PEFT adapters)
   * @param ignorable checkpoint names that may be present without a parameter (tied lm_head)
   */
  public static void load(Map<String, Tensor> params, SafetensorsCheckpoint ck, Path where, String prefix,
      Predicate<String> ignorable) {
    TreeSet<String> unexpected = new TreeSet<>();
    for (String n : ck.names()) {
      if (!n.startsWith(prefix) || !params.containsKey(n.substring(prefix.length()))) {
        if (!ignorable.test(n)) unexpected.add(n);
      }
    }
    if (!unexpected.isEmpty()) {
      throw new FormatException(where, "unexpected weight '" + unexpected.first() + "'" + (unexpected.size() > 1
          ? " (and " + (unexpected.size() - 1) + " more)" : "") + ": the model has no such parameter");
    }
    for (var e : params.entrySet()) {
      String key = prefix + e.getKey();
      if (!ck.contains(key)) throw new FormatException(where, "missing weight '" + key + "'");
      SafetensorsEntry entry = ck.entry(key);
      if (!Arrays.equals(entry.shape(), e.getValue().shape())) {
        throw new FormatException(ck.file(key).path(), "weight '" + key + "' has shape " + Arrays.toString(entry.shape())
            + ", the model expects " + Arrays.toString(e.getValue().shape()));
      }
      try (Scope s = Scope.open()) {
        dtypeOf(entry, ck.file(key).path()); // model weights are floating point
        Tensor t = SafetensorsTensors.load(ck, key);
        Tensor dst = e.getValue();
        try (var g = dev.lathe.engine.tensor.Grad.disabled()) {
          dst.copy_(t.dtype() == dst.dtype() ? t : t.to(dst.dtype()));
        }
      }
    }
  }

  static DType dtypeOf(SafetensorsEntry e, Path file) {
    return switch (e.dtype()) {
      case F32 -> DType.F32;
      case BF16 -> DType.BF16;
      case F16 -> DType.F16;
      case F64 -> DType.F64;
      default -> throw new FormatException(file, "weight '" + e.name() + "' has dtype " + e.dtype()
          + "; model weights must be F32, BF16, F16 or F64");
    };
  }

  /** A writer holding the tensors under prefix + name, in their own dtype. */
  public static SafetensorsWriter writer(Map<String, Tensor> params, String prefix) {
    SafetensorsWriter w = new SafetensorsWriter();
    params.forEach((n, t) -> SafetensorsTensors.add(w, prefix + n, t));
    return w;
  }

  /** Writes model.safetensors, or shards plus index when larger than maxShardBytes. */
  public static List<Path> save(Map<String, Tensor> params, Path dir, long maxShardBytes) {
    return writer(params, "").writeSharded(dir, "model", maxShardBytes);
  }
}
