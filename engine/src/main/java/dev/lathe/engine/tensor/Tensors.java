package dev.lathe.engine.tensor;

import dev.lathe.ffi.Ops;
import dev.lathe.ffi.Torch;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.List;

/** Creating tensors, and ops over several tensors. Results belong to the current scope. */
public final class Tensors {
  private Tensors() {}

  private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
  private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE_UNALIGNED;
  private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG_UNALIGNED;
  private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED;

  private static long[] shapeOr(long[] shape, int n) { return shape.length == 0 ? new long[]{n} : shape; }

  /** From a Java array; with no shape, a 1-d tensor of the array's length. */
  public static Tensor of(float[] v, long... shape) { return TensorData.of(v, F, v.length, DType.F32, shapeOr(shape, v.length)); }
  public static Tensor of(double[] v, long... shape) { return TensorData.of(v, D, v.length, DType.F64, shapeOr(shape, v.length)); }
  public static Tensor of(long[] v, long... shape) { return TensorData.of(v, L, v.length, DType.I64, shapeOr(shape, v.length)); }
  public static Tensor of(int[] v, long... shape) { return TensorData.of(v, I, v.length, DType.I32, shapeOr(shape, v.length)); }
  public static Tensor of(boolean[] v, long... shape) {
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) b[i] = (byte) (v[i] ? 1 : 0);
    return TensorData.of(b, ValueLayout.JAVA_BYTE, b.length, DType.BOOL, shapeOr(shape, v.length));
  }
  public static Tensor scalar(double v) { return full(new long[0], v, DType.F32); }
  public static Tensor scalar(double v, DType dt) { return full(new long[0], v, dt); }

  /** From raw little-endian bytes in the given dtype (copied). */
  public static Tensor fromBytes(byte[] bytes, DType dt, long... shape) { return TensorData.fromBytes(bytes, dt, shape); }
  /** From a buffer (e.g. a memory-mapped safetensors slice); the data is copied into the tensor. */
  public static Tensor fromBuffer(ByteBuffer buf, DType dt, long... shape) { return TensorData.fromBuffer(buf, dt, shape); }

  public static Tensor empty(long[] shape, DType dt) { return Tensor.wrap(Ops.empty(shape, dt.code, 0, -1)); }
  public static Tensor zeros(long... shape) { return zeros(shape, DType.F32); }
  public static Tensor zeros(long[] shape, DType dt) { return zeros(shape, dt, Device.CPU); }
  public static Tensor zeros(long[] shape, DType dt, Device d) { return Tensor.wrap(Ops.zeros(shape, dt.code, d.type(), d.index())); }
  public static Tensor ones(long... shape) { return ones(shape, DType.F32); }
  public static Tensor ones(long[] shape, DType dt) { return Tensor.wrap(Ops.ones(shape, dt.code, 0, -1)); }
  public static Tensor full(long[] shape, double v, DType dt) {
    return Tensor.wrap(Ops.full(shape, v, dt.isIntegral(), dt.code, 0, -1));
  }
  /** [start, end) by step, like torch.arange. */
  public static Tensor arange(double start, double end, double step, DType dt) {
    boolean ints = dt.isIntegral();
    return Tensor.wrap(Ops.arange(start, ints, end, ints, step, ints, dt.code, 0, -1));
  }
  public static Tensor arange(long end) { return arange(0, end, 1, DType.I64); }
  public static Tensor linspace(double start, double end, long steps, DType dt) {
    return Tensor.wrap(Ops.linspace(start, false, end, false, steps, dt.code, 0, -1));
  }
  public static Tensor eye(long n, DType dt) { return Tensor.wrap(Ops.eye(n, dt.code, 0, -1)); }
  /** Standard normal samples from the global generator (see {@link Runtime#seed}). */
  public static Tensor randn(long... shape) { return randn(shape, DType.F32); }
  public static Tensor randn(long[] shape, DType dt) { return Tensor.wrap(Ops.randn(shape, dt.code, 0, -1)); }
  public static Tensor rand(long... shape) { return Tensor.wrap(Ops.rand(shape, DType.F32.code, 0, -1)); }
  public static Tensor randint(long low, long high, long... shape) { return Tensor.wrap(Ops.randint(low, high, shape, DType.I64.code, 0, -1)); }
  public static Tensor randperm(long n) { return Tensor.wrap(Ops.randperm(n, DType.I64.code, 0, -1)); }
  public static Tensor zerosLike(Tensor t) { return Tensor.wrap(Ops.zerosLike(t.handle())); }
  public static Tensor onesLike(Tensor t) { return Tensor.wrap(Ops.onesLike(t.handle())); }
  public static Tensor fullLike(Tensor t, double v) { return Tensor.wrap(Ops.fullLike(t.handle(), v, t.dtype().isIntegral())); }
  public static Tensor randnLike(Tensor t) { return Tensor.wrap(Ops.randnLike(t.handle())); }
  public static Tensor randLike(Tensor t) { return Tensor.wrap(Ops.randLike(t.handle())); }
  /** Samples n indices per row of a probability matrix [b, v]. */
  public static Tensor multinomial(Tensor probs, long n, boolean replacement) { return Tensor.wrap(Ops.multinomial(probs.handle(), n, replacement)); }
  public static Tensor bernoulli(Tensor probs) { return Tensor.wrap(Ops.bernoulli(probs.handle())); }

  private static long[] handles(List<Tensor> ts) {
    long[] hs = new long[ts.size()];
    for (int i = 0; i < hs.length; i++) hs[i] = ts.get(i).handle();
    return hs;
  }

  public static Tensor cat(List<Tensor> ts, long dim) { return Tensor.wrap(Ops.cat(handles(ts), dim)); }
  public static Tensor stack(List<Tensor> ts, long dim) { return Tensor.wrap(Ops.stack(handles(ts), dim)); }
  public static Tensor where(Tensor cond, Tensor a, Tensor b) { return Tensor.wrap(Ops.where(cond.handle(), a.handle(), b.handle())); }
  public static Tensor embedding(Tensor weight, Tensor ids) { return Tensor.wrap(Ops.embedding(weight.handle(), ids.handle())); }

  /** Global L2 norm over several tensors (gradient clipping). */
  public static Tensor norm2(List<Tensor> ts) { return Tensor.wrap(Ops.foreachNorm2(handles(ts))); }
  public static void mulAll_(List<Tensor> ts, double v) { Ops.foreachMulScalar_(handles(ts), v); }

  /** Mean cross entropy of logits [n, v] against targets [n], skipping ignoreIndex. */
  public static Tensor crossEntropy(Tensor logits, Tensor target, long ignoreIndex, double labelSmoothing) {
    return Tensor.wrap(Ops.crossEntropy(logits.handle(), target.handle(), 0, 1, ignoreIndex, labelSmoothing));
  }
  public static Tensor mseLoss(Tensor a, Tensor b) { return Tensor.wrap(Ops.mseLoss(a.handle(), b.handle(), 1)); }
  public static Tensor bceWithLogits(Tensor logits, Tensor target) { return Tensor.wrap(Ops.bceWithLogits(logits.handle(), target.handle(), 1)); }
  public static Tensor layerNorm(Tensor x, long[] shape, Tensor w, Tensor b, double eps) {
    return Tensor.wrap(Ops.layerNorm(x.handle(), shape, w == null ? 0 : w.handle(), b == null ? 0 : b.handle(), eps));
  }

  /** Wraps fresh handles returned by a generated {@code dev.lathe.ffi.Ops} call into the current scope. */
  public static Tensor[] adopt(long... handles) { return Tensor.wrapAll(handles); }

  /** Tensors wrapped since start (one per tensor-returning native call; approximate across threads): benchmarks count calls with it. */
  public static long createdCount() { return Tensor.wrapped; }

  /** Native tensor handles still alive (all threads): the leak detector's number. */
  public static long liveCount() { return Torch.liveTensors(); }

  /** With -Dlathe.leaks=trace: the creation sites of the Tensors not freed yet (their first {@code frames} frames). */
  public static String liveSites(int frames) {
    if (!LeakTrace.ON) return "(run with -Dlathe.leaks=trace to record creation sites)";
    return LeakTrace.report(frames);
  }
}
