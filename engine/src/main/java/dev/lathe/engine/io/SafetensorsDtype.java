package dev.lathe.engine.io;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Element types a safetensors header may name. Declared in the order of the reference
 * implementation's dtype enum (ascending alignment), which its writer uses to place
 * larger elements first so every tensor starts aligned.
 */
public enum SafetensorsDtype {
  BOOL(1),
  U8(1),
  I8(1),
  F8_E5M2(1),
  F8_E4M3(1),
  I16(2),
  U16(2),
  F16(2),
  BF16(2),
  I32(4),
  U32(4),
  F32(4),
  F64(8),
  I64(8),
  U64(8);

  private final int byteSize;

  SafetensorsDtype(int byteSize) {
    this.byteSize = byteSize;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** The header spelling ("F32", ...), or null when the name is not a safetensors dtype. */
  public static SafetensorsDtype parse(String name) {
    for (SafetensorsDtype d : values()) {
      if (d.name().equals(name)) return d;
    }
    return null;
  }

  /** "BOOL, U8, ..." for error messages. */
  public static String known() {
    return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
  }
}
