package dev.lathe.ffi;

import dev.lathe.ffi.internal.Shim;
import dev.lathe.ffi.internal.lathe_h;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The hand-written part of the C surface (lathe.h) on raw long handles: runtime set-up,
 * lifetime, metadata, data copies, autograd. Typed ops are in the generated {@link Ops}.
 * Loading this class loads the shim, checks its ABI version and sets libtorch's threads.
 */
public final class Torch {
  private Torch() {}

  public static final int ABI_VERSION = 1;
  private static final int THREADS;

  static {
    long abi = lathe_h.lt_abi_version();
    if (abi != ABI_VERSION) {
      throw new UnsatisfiedLinkError("liblathe_shim.so has ABI version " + abi + ", these bindings expect "
          + ABI_VERSION + ": rebuild the ffi module (mvn install)");
    }
    THREADS = configuredThreads();
    Frame f = Frame.enter();
    Shim.check(lathe_h.lt_init(THREADS, 1));
  }

  /** LATHE_THREADS / -Dlathe.threads, else the cores this JVM may use. */
  private static int configuredThreads() {
    String v = System.getProperty("lathe.threads", System.getenv("LATHE_THREADS"));
    if (v != null && !v.isBlank()) {
      try {
        int n = Integer.parseInt(v.strip());
        if (n > 0) return n;
      } catch (NumberFormatException ignored) {
        // fall through to the error below
      }
      throw new IllegalArgumentException("LATHE_THREADS / lathe.threads must be a positive integer, found '" + v + "'");
    }
    return Runtime.getRuntime().availableProcessors();
  }

  public static void ensureLoaded() {
    // touching the class runs the static initialiser
  }

  public static String libtorchVersion() {
    Frame f = Frame.enter();
    Shim.check(lathe_h.lt_version(f.out(0)));
    return Shim.takeString(MemorySegment.ofAddress(f.outLong(0)));
  }

  public static String buildConfig() {
    Frame f = Frame.enter();
    Shim.check(lathe_h.lt_config(f.out(0)));
    return Shim.takeString(MemorySegment.ofAddress(f.outLong(0)));
  }

  public static void setThreads(int n) {
    if (n <= 0) throw new IllegalArgumentException("threads must be positive, got " + n);
    Shim.check(lathe_h.lt_init(n, 0));
  }

  public static int threads() { return (int) lathe_h.lt_num_threads(); }
  public static long cudaDeviceCount() { return lathe_h.lt_cuda_device_count(); }
  public static long liveTensors() { return lathe_h.lt_live_tensors(); }
  public static void manualSeed(long seed) { Shim.check(lathe_h.lt_manual_seed(seed)); }

  public static long rngState() {
    Frame f = Frame.enter();
    Shim.check(lathe_h.lt_rng_state(f.out(0)));
    return f.outLong(0);
  }

  public static void setRngState(long state) { Shim.check(lathe_h.lt_set_rng_state(state)); }

  // ---- lifetime and metadata
  public static void free(long t) { lathe_h.lt_tensor_free(t); }
  public static long share(long t) { return lathe_h.lt_tensor_share(t); }
  public static int dim(long t) { return (int) lathe_h.lt_tensor_dim(t); }
  public static long numel(long t) { return lathe_h.lt_tensor_numel(t); }
  public static int dtype(long t) { return lathe_h.lt_tensor_dtype(t); }
  public static int deviceType(long t) { return lathe_h.lt_tensor_device_type(t); }
  public static int deviceIndex(long t) { return lathe_h.lt_tensor_device_index(t); }
  public static boolean requiresGrad(long t) { return lathe_h.lt_tensor_requires_grad(t) != 0; }
  public static boolean isLeaf(long t) { return lathe_h.lt_tensor_is_leaf(t) != 0; }

  public static long[] sizes(long t) {
    int n = dim(t);
    Frame f = Frame.enter();
    MemorySegment buf = f.alloc(8L * n);
    lathe_h.lt_tensor_sizes(t, buf);
    return buf.toArray(ValueLayout.JAVA_LONG);
  }

  // ---- data
  public static long fromData(MemorySegment data, long[] shape, int dtype) {
    Frame f = Frame.enter();
    MemorySegment dims = f.longs(shape);
    Shim.check(lathe_h.lt_from_data(data, data.byteSize(), dims, shape.length, dtype, f.out(0)));
    return f.outLong(0);
  }

  public static void copyTo(long t, MemorySegment dst) {
    Shim.check(lathe_h.lt_copy_to(t, dst, dst.byteSize()));
  }

  public static double itemDouble(long t) {
    Frame f = Frame.enter();
    Shim.check(lathe_h.lt_item_double(t, f.out(0)));
    return f.outDouble(0);
  }

  public static long itemLong(long t) {
    Frame f = Frame.enter();
    Shim.check(lathe_h.lt_item_long(t, f.out(0)));
    return f.outLong(0);
  }

  public static String toString(long t) {
    Frame f = Frame.enter();
    Shim.check(lathe_h.lt_to_string(t, f.out(0)));
    return Shim.takeString(MemorySegment.ofAddress(f.outLong(0)));
  }

  // ---- autograd
  public static void backward(long t, long gradOrZero, boolean retainGraph, boolean createGraph) {
    Shim.check(lathe_h.lt_backward(t, gradOrZero, retainGraph ? 1 : 0, createGraph ? 1 : 0));
  }

  /** Gradients of outputs w.r.t. inputs; 0 where an input is unused. */
  public static long[] autogradGrad(long[] outputs, long[] inputs, boolean retainGraph, boolean createGraph) {
    Frame f = Frame.enter();
    MemorySegment outs = f.longs(outputs);
    MemorySegment ins = f.longs(inputs);
    MemorySegment res = f.alloc(8L * inputs.length);
    Shim.check(lathe_h.lt_autograd_grad(outs, outputs.length, ins, inputs.length, retainGraph ? 1 : 0,
        createGraph ? 1 : 0, res));
    return res.toArray(ValueLayout.JAVA_LONG);
  }

  /** The tensor's .grad as a new handle, or 0 when it has none. */
  public static long grad(long t) {
    Frame f = Frame.enter();
    Shim.check(lathe_h.lt_grad(t, f.out(0)));
    return f.outLong(0);
  }

  public static void setGrad(long t, long gradOrZero) { Shim.check(lathe_h.lt_set_grad(t, gradOrZero)); }
  public static void setGradEnabled(boolean on) { lathe_h.lt_set_grad_enabled(on ? 1 : 0); }
  public static boolean isGradEnabled() { return lathe_h.lt_is_grad_enabled() != 0; }
  public static void setAutocast(boolean on, int dtype) { Shim.check(lathe_h.lt_set_autocast(on ? 1 : 0, dtype)); }
  public static boolean isAutocast() { return lathe_h.lt_is_autocast() != 0; }
}
