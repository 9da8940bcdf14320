package dev.lathe.engine.train;

import dev.lathe.engine.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Data parallelism as the loop sees it: one object the loop calls at fixed points, so methods never
 * call collectives. Each update's global group of micro-batches (the same order one process would
 * use) is sharded across ranks; the loop divides every micro-batch loss by the GLOBAL group size and
 * the gradients are summed over ranks, so they equal one process accumulating the whole group.
 * Every rank runs the same collectives per update whatever its share (an empty shard contributes
 * zeros). {@link #SINGLE} is the one-process case; dev.lathe.engine.dist provides the c10d one.
 */
public interface DataParallel {
  int rank();

  int world();

  /** Only rank 0 writes metrics, plots, checkpoints and outputs. */
  default boolean writes() { return rank() == 0; }

  /**
   * Before the first update (after any resume): every rank's parameters become rank 0's, and ranks
   * must agree on what they run (the fingerprint: data size, batch settings, resume step).
   */
  void start(List<Tensor> params, String fingerprint);

  /** This rank's micro-batches of an update's global group (may be empty). */
  <T> List<T> shard(List<T> group);

  /** Gradients summed over ranks, in place; a parameter with a gradient on no rank keeps none. */
  void reduceGradients(List<Tensor> params);

  /** Element-wise sum over ranks. */
  double[] sum(double[] local);

  /** Every rank's metric maps, concatenated in rank order (all ranks receive all). */
  List<Map<String, Double>> gather(List<Map<String, Double>> local);

  DataParallel SINGLE = new DataParallel() {
    public int rank() { return 0; }
    public int world() { return 1; }
    public void start(List<Tensor> params, String fingerprint) {}
    public <T> List<T> shard(List<T> group) { return group; }
    public void reduceGradients(List<Tensor> params) {}
    public double[] sum(double[] local) { return local; }
    public List<Map<String, Double>> gather(List<Map<String, Double>> local) { return local; }
  };
}
