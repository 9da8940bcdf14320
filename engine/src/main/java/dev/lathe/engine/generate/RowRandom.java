package dev.lathe.engine.generate;

import dev.lathe.engine.tensor.Device;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The random stream of one seeded row. A request's seed makes its samples reproducible whatever else
 * shares the batch (vLLM's per-request generator semantics): each row draws from its own stream, keyed
 * by (seed, prompt index, sample index), never from libtorch's global generator, whose state depends
 * on every other row drawn before it. Unseeded rows keep the global generator.
 */
public final class RowRandom {
  private final SplittableRandom rng;

  private RowRandom(long seed) { rng = new SplittableRandom(seed); }

  /** null when the request has no seed. */
  public static RowRandom of(Long seed, int prompt, int sample) {
    if (seed == null) return null;
    // SplittableRandom mixes its seed (mix64), so nearby keys still give independent-looking streams
    return new RowRandom(seed * 0x9E3779B97F4A7C15L + prompt * 0xC2B2AE3D27D4EB4FL + sample + 1);
  }

  /**
   * One categorical draw per row from probs [n, v] over the vocabulary (rows sum to 1): argmax_i p_i / E_i
   * with E_i ~ Exp(1) independent picks i with probability p_i (the exponential race); E comes from each
   * row's own stream. Returns the chosen token per row, [n] int64.
   */
  public static Tensor draw(Tensor probs, List<RowRandom> rows) {
    return probs.toFloat().div(noise(rows, probs.size(1), probs.device())).argmax(1, false);
  }

  /**
   * The same draw when only candidates ids [n, k] (probs [n, k]) can win: each candidate meets the noise of
   * its vocabulary id, so the pick equals {@link #draw} over the full distribution with the rest at zero
   * (the top-k fast path and the masked full-vocabulary path agree token for token). [n, 1] column index.
   */
  public static Tensor drawAmong(Tensor probs, Tensor ids, long vocab, List<RowRandom> rows) {
    Tensor e = noise(rows, vocab, probs.device()).gather(1, ids);
    return probs.toFloat().div(e).argmax(1, true);
  }

  // [n, v] Exp(1) noise, row r from rows[r]'s stream; fp32 whatever the model's dtype (bf16 would make near ratios tie)
  private static Tensor noise(List<RowRandom> rows, long vocab, Device d) {
    int n = rows.size();
    int v = Math.toIntExact(vocab);
    float[] e = new float[n * v];
    for (int r = 0; r < n; r++) {
      SplittableRandom g = rows.get(r).rng;
      for (int i = 0; i < v; i++) {
        // 1 - u is in (0, 1]: E = 0 only when u = 0 exactly; a zero probability still gives 0 / tiny = 0
        e[r * v + i] = (float) Math.max(-Math.log(1.0 - g.nextDouble()), 1e-30);
      }
    }
    Tensor t = Tensors.of(e, n, v);
    return d.equals(Device.CPU) ? t : t.to(d);
  }
}
