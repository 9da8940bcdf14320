package dev.lathe.ffi;

import dev.lathe.ffi.internal.Shim;
import dev.lathe.ffi.internal.lathe_h;
import java.lang.foreign.MemorySegment;

/**
 * The c10d part of the C surface (shim_dist.cpp) on raw handles: a process group (TCPStore
 * rendezvous + Gloo, or NCCL in CUDA builds) and in-place collectives on tensor handles. Every call
 * blocks until the collective finished on this rank or failed (peer gone, timeout: TorchException).
 */
public final class Dist {
  private Dist() {}

  static {
    Torch.ensureLoaded();
  }

  public static final int SUM = 0, AVG = 1, MAX = 2, MIN = 3;

  public static boolean hasBackend(String name) {
    int bits = lathe_h.lt_dist_backends();
    return switch (name) {
      case "gloo" -> (bits & 1) != 0;
      case "nccl" -> (bits & 2) != 0;
      default -> false;
    };
  }

  /** Joins the group (rank 0 hosts the store and waits for the others); returns its handle. */
  public static long init(String masterAddr, int masterPort, int rank, int world, String backend, String device, long timeoutMs) {
    Frame f = Frame.enter();
    Shim.check(lathe_h.lt_dist_init(f.string(masterAddr), masterPort, rank, world, f.string(backend), f.string(device),
        timeoutMs, f.out(0)));
    return f.outLong(0);
  }

  public static void free(long group) { lathe_h.lt_dist_free(group); }

  public static void allReduce(long group, long[] tensors, int op, long bucketBytes) {
    Frame f = Frame.enter();
    Shim.check(lathe_h.lt_dist_all_reduce(group, f.longs(tensors), tensors.length, op, bucketBytes));
  }

  public static void broadcast(long group, long[] tensors, int root, long bucketBytes) {
    Frame f = Frame.enter();
    Shim.check(lathe_h.lt_dist_broadcast(group, f.longs(tensors), tensors.length, root, bucketBytes));
  }

  /** Fills out [world, *in.shape] with every rank's in. */
  public static void allGather(long group, long in, long out) {
    Shim.check(lathe_h.lt_dist_all_gather(group, in, out));
  }

  public static void barrier(long group) { Shim.check(lathe_h.lt_dist_barrier(group)); }

  public static void storeSet(long group, String key, String value) {
    Frame f = Frame.enter();
    Shim.check(lathe_h.lt_dist_store_set(group, f.string(key), f.string(value)));
  }

  /** The value under key, or null when the store has no such key. */
  public static String storeGet(long group, String key) {
    Frame f = Frame.enter();
    Shim.check(lathe_h.lt_dist_store_get(group, f.string(key), f.out(0)));
    long p = f.outLong(0);
    return p == 0 ? null : Shim.takeString(MemorySegment.ofAddress(p));
  }
}
