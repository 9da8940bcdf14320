package dev.lathe.engine.tensor;

import dev.lathe.ffi.Torch;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/** Copies between Java arrays/buffers and tensors (always contiguous, host memory). */
final class TensorData {
  private TensorData() {}

  static Tensor fromSegment(MemorySegment data, DType dt, long[] shape) {
    return Tensor.wrap(Torch.fromData(data, shape, dt.code));
  }

  static Tensor fromBytes(byte[] bytes, DType dt, long[] shape) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s = a.allocate(Math.max(bytes.length, 1)).asSlice(0, bytes.length);
      MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
      return fromSegment(s, dt, shape);
    }
  }

  /** A direct (e.g. memory-mapped) buffer is read in place; a heap buffer is copied first. */
  static Tensor fromBuffer(ByteBuffer buf, DType dt, long[] shape) {
    if (buf.isDirect()) return fromSegment(MemorySegment.ofBuffer(buf), dt, shape);
    byte[] b = new byte[buf.remaining()];
    buf.duplicate().get(b);
    return fromBytes(b, dt, shape);
  }

  static Tensor of(Object array, ValueLayout layout, int n, DType dt, long[] shape) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s = a.allocate(Math.max(layout.byteSize() * n, 1)).asSlice(0, layout.byteSize() * n);
      switch (array) {
        case float[] v -> MemorySegment.copy(v, 0, s, (ValueLayout.OfFloat) layout, 0, n);
        case double[] v -> MemorySegment.copy(v, 0, s, (ValueLayout.OfDouble) layout, 0, n);
        case long[] v -> MemorySegment.copy(v, 0, s, (ValueLayout.OfLong) layout, 0, n);
        case int[] v -> MemorySegment.copy(v, 0, s, (ValueLayout.OfInt) layout, 0, n);
        case byte[] v -> MemorySegment.copy(v, 0, s, (ValueLayout.OfByte) layout, 0, n);
        default -> throw new IllegalArgumentException("unsupported array " + array.getClass());
      }
      return fromSegment(s, dt, shape);
    }
  }

  private static MemorySegment read(Tensor t, DType as, Arena a) {
    try (Scope s = Scope.open()) {
      Tensor c = t.dtype() == as ? t : t.to(as);
      MemorySegment seg = a.allocate(Math.max(c.numel() * as.byteSize, 1)).asSlice(0, c.numel() * as.byteSize);
      Torch.copyTo(c.handle(), seg);
      return seg;
    }
  }

  static float[] floats(Tensor t) {
    try (Arena a = Arena.ofConfined()) { return read(t, DType.F32, a).toArray(ValueLayout.JAVA_FLOAT); }
  }

  static double[] doubles(Tensor t) {
    try (Arena a = Arena.ofConfined()) { return read(t, DType.F64, a).toArray(ValueLayout.JAVA_DOUBLE); }
  }

  static long[] longs(Tensor t) {
    try (Arena a = Arena.ofConfined()) { return read(t, DType.I64, a).toArray(ValueLayout.JAVA_LONG); }
  }

  static int[] ints(Tensor t) {
    try (Arena a = Arena.ofConfined()) { return read(t, DType.I32, a).toArray(ValueLayout.JAVA_INT); }
  }

  static boolean[] booleans(Tensor t) {
    byte[] b;
    try (Arena a = Arena.ofConfined()) { b = read(t, DType.BOOL, a).toArray(ValueLayout.JAVA_BYTE); }
    boolean[] out = new boolean[b.length];
    for (int i = 0; i < b.length; i++) out[i] = b[i] != 0;
    return out;
  }

  static byte[] bytes(Tensor t) {
    try (Arena a = Arena.ofConfined()) { return read(t, t.dtype(), a).toArray(ValueLayout.JAVA_BYTE); }
  }
}
