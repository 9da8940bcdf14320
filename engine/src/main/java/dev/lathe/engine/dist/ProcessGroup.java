package dev.lathe.engine.dist;

import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import dev.lathe.ffi.Dist;
import dev.lathe.ffi.TorchException;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * One process's membership of a c10d process group (TCPStore rendezvous + Gloo on CPU tensors, or
 * NCCL in CUDA builds). Collectives block until done and work in place on CPU/CUDA tensors; every
 * rank must call the same collectives in the same order. A failure (a peer died, hung past the
 * timeout) becomes a {@link DistException} naming this rank, the collective and the missing rank.
 */
public final class ProcessGroup implements AutoCloseable {
  /** DDP's default bucket size (ddp_bucket_cap_mb: 25). */
  public static final long DEFAULT_BUCKET_BYTES = 25L << 20;

  private final Rendezvous rv;
  private long handle;
  private long seq;

  private ProcessGroup(Rendezvous rv, long handle) {
    this.rv = rv;
    this.handle = handle;
  }

  /** Joins the job: rank 0 hosts the store and waits (up to the timeout) for every other rank. */
  public static ProcessGroup connect(Rendezvous r) {
    try {
      return new ProcessGroup(r, Dist.init(r.masterAddr(), r.masterPort(), r.rank(), r.world(), r.backend(), r.device(),
          r.timeout().toMillis()));
    } catch (TorchException e) {
      throw new DistException("rank " + r.rank() + " of " + r.world() + ": rendezvous at " + r.masterAddr() + ":" + r.masterPort()
          + " (" + r.backend() + ") failed within " + r.timeout().toSeconds() + " s: " + e.getMessage(), e);
    }
  }

  public int rank() { return rv.rank(); }
  public int world() { return rv.world(); }
  public Rendezvous rendezvous() { return rv; }

  /** In place: every tensor becomes the reduction over ranks (flattened into buckets of bucketBytes). */
  public void allReduce(List<Tensor> ts, ReduceOp op, long bucketBytes, String what) {
    long[] hs = handles(ts);
    call("all_reduce(" + what + ")", () -> { Dist.allReduce(live(), hs, op.code, bucketBytes); return null; });
  }

  /** In place: every tensor becomes root's. */
  public void broadcast(List<Tensor> ts, int root, String what) {
    long[] hs = handles(ts);
    call("broadcast(" + what + ")", () -> { Dist.broadcast(live(), hs, root, DEFAULT_BUCKET_BYTES); return null; });
  }

  /** [world, *t.shape]: every rank's t, in rank order (a new tensor in the current scope). */
  public Tensor allGather(Tensor t, String what) {
    long[] shape = new long[t.dim() + 1];
    shape[0] = world();
    System.arraycopy(t.shape(), 0, shape, 1, t.dim());
    Tensor out = Tensors.empty(shape, t.dtype());
    call("all_gather(" + what + ")", () -> { Dist.allGather(live(), t.handle(), out.handle()); return null; });
    return out;
  }

  public void barrier(String what) {
    call("barrier(" + what + ")", () -> { Dist.barrier(live()); return null; });
  }

  /** The element-wise reduction of every rank's values (same length on every rank), in float64. */
  public double[] allReduce(double[] v, ReduceOp op, String what) {
    try (Scope s = Scope.open()) {
      Tensor t = Tensors.of(v.clone());
      allReduce(List.of(t), op, DEFAULT_BUCKET_BYTES, what);
      return t.toDoubleArray();
    }
  }

  /**
   * Every rank's values, indexed by rank; lengths may differ between ranks. GRPO-style feeds gather
   * a round's rewards with this so group statistics are global.
   */
  public double[][] allGather(double[] v, String what) {
    try (Scope s = Scope.open()) {
      long[] lengths = allGather(Tensors.of(new long[]{v.length}), what + ": lengths").toLongArray();
      int max = (int) Arrays.stream(lengths).max().orElse(0);
      double[] padded = Arrays.copyOf(v, Math.max(1, max));
      double[] all = allGather(Tensors.of(padded), what).toDoubleArray();
      double[][] out = new double[world()][];
      for (int r = 0; r < world(); r++) out[r] = Arrays.copyOfRange(all, r * padded.length, r * padded.length + (int) lengths[r]);
      return out;
    }
  }

  /** Every rank's bytes, indexed by rank (lengths may differ). */
  public byte[][] allGather(byte[] b, String what) {
    try (Scope s = Scope.open()) {
      long[] lengths = allGather(Tensors.of(new long[]{b.length}), what + ": lengths").toLongArray();
      int max = Math.max(1, (int) Arrays.stream(lengths).max().orElse(0));
      byte[] all = allGather(Tensors.fromBytes(Arrays.copyOf(b, max), DType.U8, max), what).toBytes();
      byte[][] out = new byte[world()][];
      for (int r = 0; r < world(); r++) out[r] = Arrays.copyOfRange(all, r * max, r * max + (int) lengths[r]);
      return out;
    }
  }

  private <T> T call(String name, Supplier<T> body) {
    long n = ++seq;
    try {
      return body.get();
    } catch (TorchException e) {
      throw FailureReport.of(this, name + " #" + n, e);
    }
  }

  /** Lathe's own keys in the rendezvous store (failure reports). */
  void storeSet(String key, String value) { Dist.storeSet(live(), key, value); }
  String storeGet(String key) { return Dist.storeGet(live(), key); }

  private long live() {
    if (handle == 0) throw new IllegalStateException("the process group is closed");
    return handle;
  }

  private static long[] handles(List<Tensor> ts) {
    long[] hs = new long[ts.size()];
    for (int i = 0; i < hs.length; i++) hs[i] = ts.get(i).handle();
    return hs;
  }

  @Override
  public void close() {
    if (handle != 0) Dist.free(handle);
    handle = 0;
  }
}
