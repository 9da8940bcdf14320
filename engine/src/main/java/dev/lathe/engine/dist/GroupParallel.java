package dev.lathe.engine.dist;

import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import dev.lathe.engine.train.DataParallel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The loop's {@link DataParallel} over a c10d {@link ProcessGroup}: micro-batch i of an update goes to
 * rank i mod world (shards differ by at most one), gradients are summed in buckets after the last
 * backward of the update (no overlap with backward: on CPU the all-reduce competes with backward
 * for the same cores, see docs/dist.md), and metric maps travel as a compact binary list.
 */
public final class GroupParallel implements DataParallel, AutoCloseable {
  private final ProcessGroup g;
  private final long bucketBytes;
  private long updates;

  public GroupParallel(ProcessGroup g, long bucketBytes) {
    if (bucketBytes < 1) throw new IllegalArgumentException("ddp_bucket_cap_mb must be positive, found " + bucketBytes + " bytes");
    this.g = g;
    this.bucketBytes = bucketBytes;
  }

  public ProcessGroup group() { return g; }
  @Override public int rank() { return g.rank(); }
  @Override public int world() { return g.world(); }

  @Override
  public void start(List<Tensor> params, String fingerprint) {
    byte[][] all = g.allGather(fingerprint.getBytes(StandardCharsets.UTF_8), "run fingerprint");
    String first = new String(all[0], StandardCharsets.UTF_8);
    for (int r = 1; r < all.length; r++) {
      String other = new String(all[r], StandardCharsets.UTF_8);
      if (!other.equals(first)) {
        throw new IllegalStateException("ranks disagree on the run: rank 0 has [" + first + "], rank " + r + " has [" + other
            + "] (same config, data and checkpoint on every rank?)");
      }
    }
    try (Scope s = Scope.open()) {
      g.broadcast(params, 0, "parameters from rank 0");
    }
  }

  @Override
  public <T> List<T> shard(List<T> group) {
    List<T> mine = new ArrayList<>();
    for (int i = rank(); i < group.size(); i += world()) mine.add(group.get(i));
    return mine;
  }

  @Override
  public void reduceGradients(List<Tensor> params) {
    updates++;
    try (Scope s = Scope.open()) {
      // a rank with an empty shard (or a parameter unused by its rows) has no gradient: agree first on
      // which parameters have one anywhere, give those zeros locally, and leave the rest without
      double[] has = new double[params.size()];
      List<Tensor> grads = new ArrayList<>(params.size());
      for (int i = 0; i < has.length; i++) {
        Tensor gr = params.get(i).grad();
        grads.add(gr);
        has[i] = gr != null ? 1 : 0;
      }
      double[] any = g.allReduce(has, ReduceOp.MAX, "gradient presence, update " + updates);
      List<Tensor> reduce = new ArrayList<>();
      for (int i = 0; i < has.length; i++) {
        if (any[i] == 0) continue;
        Tensor gr = grads.get(i);
        if (gr == null) {
          gr = Tensors.zerosLike(params.get(i));
          params.get(i).setGrad(gr);
        }
        reduce.add(gr);
      }
      if (!reduce.isEmpty()) g.allReduce(reduce, ReduceOp.SUM, bucketBytes, "gradients, update " + updates);
    }
  }

  @Override
  public double[] sum(double[] local) { return g.allReduce(local, ReduceOp.SUM, "loss and counts"); }

  @Override
  public List<Map<String, Double>> gather(List<Map<String, Double>> local) {
    List<Map<String, Double>> out = new ArrayList<>();
    for (byte[] b : g.allGather(encode(local), "metrics")) out.addAll(decode(b));
    return out;
  }

  /** count, then per map: entries, then (UTF key, double) pairs; exact, NaN-safe. */
  static byte[] encode(List<Map<String, Double>> maps) {
    try (ByteArrayOutputStream bytes = new ByteArrayOutputStream(); DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(maps.size());
      for (Map<String, Double> m : maps) {
        out.writeInt(m.size());
        for (Map.Entry<String, Double> e : m.entrySet()) {
          out.writeUTF(e.getKey());
          out.writeDouble(e.getValue());
        }
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Map<String, Double>> decode(byte[] b) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
      int n = in.readInt();
      List<Map<String, Double>> maps = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        int k = in.readInt();
        Map<String, Double> m = new LinkedHashMap<>();
        for (int j = 0; j < k; j++) m.put(in.readUTF(), in.readDouble());
        maps.add(m);
      }
      return maps;
    } catch (IOException e) {
      throw new UncheckedIOException("metrics from another rank are corrupt: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() { g.close(); }
}
