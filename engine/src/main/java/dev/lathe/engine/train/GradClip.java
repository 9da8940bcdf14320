package dev.lathe.engine.train;

import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Global-norm gradient clipping (torch.nn.utils.clip_grad_norm_ semantics). */
final class GradClip {
  private GradClip() {}

  /** Returns the norm before clipping (NaN/inf passes through, for the guard); clips when maxNorm > 0. */
  static double clip(List<Tensor> params, double maxNorm) {
    List<Tensor> grads = new ArrayList<>();
    for (Tensor p : params) {
      Tensor g = p.grad();
      if (g != null) grads.add(g);
    }
    if (grads.isEmpty()) return 0;
    double norm = Tensors.norm2(grads).item();
    if (maxNorm > 0 && Double.isFinite(norm)) {
      double coef = maxNorm / (norm + 1e-6);
      if (coef < 1) Tensors.mulAll_(grads, coef);
    }
    return norm;
  }

  static String describe(List<int[]> groups) {
    List<String> parts = new ArrayList<>();
    for (int[] g : groups) parts.add(Arrays.toString(g));
    return String.join(" ", parts);
  }
}
