package dev.lathe.engine.tensor;

import dev.lathe.ffi.Torch;

/** A libtorch device: CPU, or CUDA with an index when the libtorch has CUDA. */
public record Device(int type, int index) {
  public static final int TYPE_CPU = 0;
  public static final int TYPE_CUDA = 1;
  public static final Device CPU = new Device(TYPE_CPU, -1);

  public static Device cuda(int index) {
    return new Device(TYPE_CUDA, index);
  }

  public static boolean cudaAvailable() {
    return Torch.cudaDeviceCount() > 0;
  }

  /** "cpu", "cuda", "cuda:1". */
  public static Device parse(String s) {
    String k = s.strip().toLowerCase();
    if (k.equals("cpu")) return CPU;
    if (k.equals("cuda")) return cuda(0);
    if (k.startsWith("cuda:")) return cuda(Integer.parseInt(k.substring(5)));
    throw new IllegalArgumentException("unknown device '" + s + "': expected cpu, cuda or cuda:N");
  }

  @Override
  public String toString() {
    return type == TYPE_CPU ? "cpu" : type == TYPE_CUDA ? "cuda:" + Math.max(index, 0) : "device(" + type + ")";
  }
}
