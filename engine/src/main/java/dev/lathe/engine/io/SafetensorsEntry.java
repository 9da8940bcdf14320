package dev.lathe.engine.io;

import java.util.Arrays;

/**
 * One tensor of a safetensors file: its name, element type, shape and where its bytes are.
 * begin/end are the header's data_offsets (relative to the start of the data section);
 * fileOffset() is where the bytes start in the file.
 */
public record SafetensorsEntry(String name, SafetensorsDtype dtype, long[] shape, long begin, long end, long dataStart) {

  public SafetensorsEntry {
    shape = shape.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  public long byteSize() {
    return end - begin;
  }

  public long numel() {
    return numel(shape);
  }

  /** Absolute position of the first byte in the file. */
  public long fileOffset() {
    return dataStart + begin;
  }

  static long numel(long[] shape) {
    long n = 1;
    for (long d : shape) n = Math.multiplyExact(n, d);
    return n;
  }

  @Override
  public String toString() {
    return name + " " + dtype + Arrays.toString(shape) + " @[" + begin + "," + end + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SafetensorsEntry e && e.name.equals(name) && e.dtype == dtype
        && Arrays.equals(e.shape, shape) && e.begin == begin && e.end == end && e.dataStart == dataStart;
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Long.hashCode(begin);
  }
}
