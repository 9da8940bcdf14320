package dev.lathe.engine.train;

import dev.lathe.engine.io.SafetensorsEntry;
import dev.lathe.engine.io.SafetensorsFile;
import dev.lathe.engine.io.SafetensorsTensors;
import dev.lathe.engine.tensor.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Named tensors to and from one safetensors file (optimizer moments, RNG state, small caches). */
public final class TensorFile {
  private TensorFile() {}

  public static void save(Map<String, Tensor> tensors, Path file) {
    SafetensorsTensors.save(tensors, file);
  }

  /** Every tensor of the file in the file's order, copied into tensors owned by the current scope. */
  public static Map<String, Tensor> load(Path file) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      for (SafetensorsEntry e : f.entries()) out.put(e.name(), SafetensorsTensors.load(f, e.name()));
    }
    return out;
  }
}
