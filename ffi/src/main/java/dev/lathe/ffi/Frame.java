package dev.lathe.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Per-thread native scratch for one call: out-parameter slots and a bump region for arrays and
 * strings passed in. Reset at the start of every call, so nothing is allocated per call in the
 * common case. Calls never nest (the shim does not call back into Java), so one frame suffices.
 */
final class Frame {
  private static final int OUTS = 4;
  private static final long SIZE = 1 << 16;
  private static final ThreadLocal<Frame> CURRENT = ThreadLocal.withInitial(Frame::new);

  private final MemorySegment seg = Arena.ofAuto().allocate(SIZE, 16);
  private final MemorySegment[] outs = new MemorySegment[OUTS];
  private long top;

  private Frame() {
    for (int i = 0; i < OUTS; i++) outs[i] = seg.asSlice(8L * i, 8);
  }
  private Arena overflow;

  static Frame enter() {
    Frame f = CURRENT.get();
    f.top = 8 * OUTS;
    if (f.overflow != null) {
      f.overflow.close();
      f.overflow = null;
    }
    return f;
  }

  MemorySegment out(int i) {
    return outs[i];
  }

  long outLong(int i) {
    return seg.getAtIndex(ValueLayout.JAVA_LONG, i);
  }

  double outDouble(int i) {
    return seg.getAtIndex(ValueLayout.JAVA_DOUBLE, i);
  }

  int outInt(int i) {
    return seg.get(ValueLayout.JAVA_INT, 8L * i);
  }

  MemorySegment alloc(long bytes) {
    long aligned = (bytes + 7) & ~7L;
    if (top + aligned <= SIZE) {
      MemorySegment s = seg.asSlice(top, Math.max(bytes, 1));
      top += aligned;
      return s;
    }
    if (overflow == null) overflow = Arena.ofConfined();
    return overflow.allocate(Math.max(bytes, 1), 8);
  }

  MemorySegment longs(long[] v) {
    MemorySegment s = alloc(8L * v.length);
    MemorySegment.copy(v, 0, s, ValueLayout.JAVA_LONG, 0, v.length);
    return s;
  }

  MemorySegment doubles(double[] v) {
    MemorySegment s = alloc(8L * v.length);
    MemorySegment.copy(v, 0, s, ValueLayout.JAVA_DOUBLE, 0, v.length);
    return s;
  }

  MemorySegment string(String v) {
    byte[] b = v.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    MemorySegment s = alloc(b.length + 1L);
    MemorySegment.copy(b, 0, s, ValueLayout.JAVA_BYTE, 0, b.length);
    s.set(ValueLayout.JAVA_BYTE, b.length, (byte) 0);
    return s;
  }
}
