package dev.lathe.engine.io;

import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tensors in and out of safetensors. Loaded tensors are CPU copies of the mapped bytes and
 * belong to the innermost open Scope, like any op result; the checkpoint can be closed after.
 */
public final class SafetensorsTensors {
  private SafetensorsTensors() {}

  /** The Lathe dtype of a safetensors dtype; types libtorch 1.13 lacks (U16/U32/U64/F8) are an error. */
  public static DType dtype(SafetensorsDtype d) {
    return switch (d) {
      case BOOL -> DType.BOOL;
      case U8 -> DType.U8;
      case I8 -> DType.I8;
      case I16 -> DType.I16;
      case I32 -> DType.I32;
      case I64 -> DType.I64;
      case F16 -> DType.F16;
      case BF16 -> DType.BF16;
      case F32 -> DType.F32;
      case F64 -> DType.F64;
      default -> null;
    };
  }

  public static SafetensorsDtype dtype(DType d) {
    return SafetensorsDtype.valueOf(d.name());
  }

  /** One tensor, in the file's dtype. */
  public static Tensor load(SafetensorsCheckpoint ck, String name) {
    return load(ck.file(name), name);
  }

  public static Tensor load(SafetensorsFile f, String name) {
    SafetensorsEntry e = f.entry(name);
    DType dt = dtype(e.dtype());
    if (dt == null) {
      throw new FormatException(f.path(), "tensor '" + name + "' has dtype " + e.dtype()
          + ", which Lathe tensors do not support (supported: BOOL, U8, I8, I16, I32, I64, F16, BF16, F32, F64)");
    }
    ByteBuffer bytes = f.bytes(name); // direct buffer over the mapping: copied once into the tensor
    return Tensors.fromBuffer(bytes, dt, e.shape());
  }

  /** The named tensors, in sorted name order. */
  public static Map<String, Tensor> load(SafetensorsCheckpoint ck, Collection<String> names) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (String n : names.stream().sorted().toList()) out.put(n, load(ck, n));
    return out;
  }

  /** Every tensor of the checkpoint, in sorted name order. */
  public static Map<String, Tensor> loadAll(SafetensorsCheckpoint ck) {
    return load(ck, ck.names());
  }

  /** Adds a tensor's bytes (moved to CPU, made contiguous) to a writer. */
  public static SafetensorsWriter add(SafetensorsWriter w, String name, Tensor t) {
    return w.add(name, dtype(t.dtype()), t.shape(), t.toBytes());
  }

  public static SafetensorsWriter writer(Map<String, Tensor> tensors) {
    SafetensorsWriter w = new SafetensorsWriter();
    tensors.forEach((n, t) -> add(w, n, t));
    return w;
  }

  /** Writes one safetensors file (temp file, then rename). */
  public static void save(Map<String, Tensor> tensors, Path file) {
    writer(tensors).write(file);
  }

  /** Writes prefix.safetensors or shards + index above maxShardBytes. */
  public static List<Path> saveSharded(Map<String, Tensor> tensors, Path dir, String prefix, long maxShardBytes) {
    return writer(tensors).writeSharded(dir, prefix, maxShardBytes);
  }
}
