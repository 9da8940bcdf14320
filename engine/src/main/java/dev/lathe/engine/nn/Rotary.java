package dev.lathe.engine.nn;

import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.tensor.Fused;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import java.util.List;

/**
 * Rotary position embedding. cos/sin tables [p, d] for the first positions are buffers built
 * once; a forward looks its positions up (index_select) and every layer reuses the result.
 * Positions beyond the table are computed directly, so long contexts cost no big buffer.
 */
public final class Rotary extends Module {
  /** Table rows kept as buffers; enough for training and generation at the sizes Lathe runs. */
  static final int TABLE = 8192;

  private final Tensor invFreq; // [d/2]
  private final Tensor cos; // [p, d]
  private final Tensor sin; // [p, d]
  private final int rows;

  public Rotary(int headDim, int maxPositions, RopeSpec spec) {
    invFreq = buffer("inv_freq", Tensors.of(spec.inverseFrequencies(headDim)));
    rows = Math.min(maxPositions, TABLE);
    // the construction's temporaries die here; without a scope they went to the caller's (often the root, never closed)
    try (Scope tmp = Scope.open()) {
      Tensor angles = angles(Tensors.arange(rows).toFloat());
      cos = buffer("cos_cached", angles.cos());
      sin = buffer("sin_cached", angles.sin());
    }
  }

  // positions [n] float -> [n, d] with the d/2 angles repeated (HF's cat(freqs, freqs) layout)
  private Tensor angles(Tensor positions) {
    Tensor freqs = positions.unsqueeze(1).mul(invFreq.unsqueeze(0)); // [n, d/2]
    return Tensors.cat(List.of(freqs, freqs), 1);
  }

  /** {cos, sin}, each [b, 1, s, d] in dtype, for position ids [b, s]. */
  public Tensor[] tables(Tensor positionIds, DType dtype) {
    long b = positionIds.size(0);
    long s = positionIds.size(1);
    Tensor flat = positionIds.reshape(-1);
    Tensor c;
    Tensor sn;
    if (flat.max().itemLong() < rows) {
      c = cos.indexSelect(0, flat);
      sn = sin.indexSelect(0, flat);
    } else {
      Tensor a = angles(flat.toFloat());
      c = a.cos();
      sn = a.sin();
    }
    long d = c.size(1);
    c = c.view(b, 1, s, d);
    sn = sn.view(b, 1, s, d);
    if (dtype != DType.F32) {
      c = c.to(dtype);
      sn = sn.to(dtype);
    }
    return new Tensor[]{c, sn};
  }

  /** x [b, n, s, d] rotated: x cos + rotate_half(x) sin, rotate_half(x) = [-x2, x1] (fused in the shim). */
  public static Tensor apply(Tensor x, Tensor[] cosSin) {
    return Fused.rotary(x, cosSin[0], cosSin[1]);
  }
}
