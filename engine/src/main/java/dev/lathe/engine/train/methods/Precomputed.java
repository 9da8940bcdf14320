package dev.lathe.engine.train.methods;

import dev.lathe.engine.data.EncodedExample;
import dev.lathe.engine.data.PairBatch;
import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import dev.lathe.engine.train.ProgressBar;
import dev.lathe.engine.train.TensorFile;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * precompute_ref_log_probs: S_ref(chosen) and S_ref(rejected) of every pair, computed once with a live
 * reference and stored in cacheDir/<key>.safetensors, where key hashes the model, tokenizer, data and
 * lengths ({@link RefCacheKey}). A later run with the same key reads the file and never builds a
 * reference model; during training only these 2n floats are kept.
 */
public final class Precomputed implements Reference {
  private final float[] chosen;
  private final float[] rejected;

  private Precomputed(float[] chosen, float[] rejected) {
    this.chosen = chosen;
    this.rejected = rejected;
  }

  /** Reads the cache entry, or computes it with live (then closed by the caller) and writes it. */
  public static Precomputed loadOrCompute(Path cacheFile, List<EncodedExample> pairs, int padId, int batch,
      java.util.function.Supplier<Reference> live, PrintStream log) {
    if (Files.isRegularFile(cacheFile)) {
      try (Scope s = Scope.open()) {
        Map<String, Tensor> t = TensorFile.load(cacheFile);
        float[] c = t.get("chosen").toFloatArray(), r = t.get("rejected").toFloatArray();
        if (c.length == pairs.size() && r.length == pairs.size()) {
          log.println("reference log-probs: reusing " + cacheFile);
          return new Precomputed(c, r);
        }
        log.println("reference log-probs: " + cacheFile + " has " + c.length + " rows, expected " + pairs.size() + "; recomputing");
      }
    }
    float[] c = new float[pairs.size()], r = new float[pairs.size()];
    try (Reference ref = live.get()) {
      ProgressBar bar = new ProgressBar("reference log-probs", pairs.size(), 0, log);
      for (int from = 0; from < pairs.size(); from += batch) {
        int n = Math.min(batch, pairs.size() - from);
        try (Scope s = Scope.open()) {
          PairBatch b = PairBatch.of(pairs.subList(from, from + n), padId);
          float[] sums = ref.sums(null, SeqTensors.of(b)).toFloat().toFloatArray();
          System.arraycopy(sums, 0, c, from, n);
          System.arraycopy(sums, n, r, from, n);
        }
        bar.update(from + n, "");
      }
      bar.finish();
    }
    try (Scope s = Scope.open()) {
      TensorFile.save(Map.of("chosen", Tensors.of(c), "rejected", Tensors.of(r)), cacheFile);
    }
    log.println("reference log-probs: computed " + pairs.size() + " pairs, cached in " + cacheFile);
    return new Precomputed(c, r);
  }

  /** [2b]: chosen of the rows, then rejected, as the pair batch lays them out. */
  @Override
  public Tensor sums(int[] rows, SeqTensors seqs) {
    if (rows == null) throw new IllegalArgumentException("precomputed reference log-probs are looked up by row index");
    float[] out = new float[2 * rows.length];
    for (int i = 0; i < rows.length; i++) {
      out[i] = chosen[rows[i]];
      out[rows.length + i] = rejected[rows[i]];
    }
    return Tensors.of(out).to(DType.F32);
  }

  public float chosen(int row) { return chosen[row]; }

  public float rejected(int row) { return rejected[row]; }
}
