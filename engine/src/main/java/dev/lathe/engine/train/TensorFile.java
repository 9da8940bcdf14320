package dev.lathe.engine.train;

import dev.lathe.engine.io.SafetensorsDtype;
import dev.lathe.engine.io.SafetensorsEntry;
import dev.lathe.engine.io.SafetensorsFile;
import dev.lathe.engine.io.SafetensorsWriter;
import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Named tensors to and from one safetensors file (optimizer moments, RNG state, small caches). */
public final class TensorFile {
  private TensorFile() {}

  public static void save(Map<String, Tensor> tensors, Path file) {
    SafetensorsWriter w = new SafetensorsWriter();
    tensors.forEach((name, t) -> w.add(name, SafetensorsDtype.valueOf(t.dtype().name()), t.shape(), t.toBytes()));
    w.write(file);
  }

  /** Every tensor of the file, copied into tensors owned by the current scope. */
  public static Map<String, Tensor> load(Path file) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      for (SafetensorsEntry e : f.entries()) {
        DType dt;
        try {
          dt = DType.valueOf(e.dtype().name());
        } catch (IllegalArgumentException x) {
          throw new IllegalArgumentException(file + ": tensor '" + e.name() + "' has dtype " + e.dtype() + ", which Lathe cannot load");
        }
        out.put(e.name(), Tensors.fromBuffer(f.bytes(e.name()), dt, e.shape()));
      }
    }
    return out;
  }
}
