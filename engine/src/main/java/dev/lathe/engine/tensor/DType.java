package dev.lathe.engine.tensor;

/** Element types, with libtorch's c10::ScalarType codes (stable across libtorch versions). */
public enum DType {
  U8(0, 1, "uint8"), I8(1, 1, "int8"), I16(2, 2, "int16"), I32(3, 4, "int32"), I64(4, 8, "int64"),
  F16(5, 2, "float16"), F32(6, 4, "float32"), F64(7, 8, "float64"), BOOL(11, 1, "bool"),
  BF16(15, 2, "bfloat16");

  public final int code;
  public final int byteSize;
  public final String torchName;

  DType(int code, int byteSize, String torchName) {
    this.code = code;
    this.byteSize = byteSize;
    this.torchName = torchName;
  }

  public boolean isFloating() {
    return this == F16 || this == F32 || this == F64 || this == BF16;
  }

  public boolean isIntegral() {
    return !isFloating();
  }

  public static DType ofCode(int code) {
    for (DType d : values()) if (d.code == code) return d;
    throw new IllegalArgumentException("libtorch scalar type " + code + " has no Lathe DType");
  }

  /** Accepts Lathe's names (f32, bf16, ...) and torch's (float32, bfloat16, float, half, ...). */
  public static DType parse(String s) {
    String k = s.strip().toLowerCase().replace("torch.", "");
    return switch (k) {
      case "f32", "float32", "float", "fp32" -> F32;
      case "f64", "float64", "double", "fp64" -> F64;
      case "f16", "float16", "half", "fp16" -> F16;
      case "bf16", "bfloat16" -> BF16;
      case "i64", "int64", "long" -> I64;
      case "i32", "int32", "int" -> I32;
      case "i16", "int16", "short" -> I16;
      case "i8", "int8" -> I8;
      case "u8", "uint8" -> U8;
      case "bool" -> BOOL;
      default -> throw new IllegalArgumentException("unknown dtype '" + s + "': expected one of f32, f64, f16, bf16, i64, i32, i16, i8, u8, bool");
    };
  }
}
