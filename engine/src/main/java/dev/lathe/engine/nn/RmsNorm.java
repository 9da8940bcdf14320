package dev.lathe.engine.nn;

import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.tensor.Fused;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;

/**
 * RMSNorm over the last dimension: w * x / sqrt(mean(x^2) + eps). libtorch 1.13 has no
 * rms_norm op: the shim's fused kernel runs it for fp32 (one pass each way, saving x and the
 * per-row 1/rms); other dtypes are composed like HF (statistics in fp32, the normalised value cast
 * back to the input dtype before the weight multiplies it).
 */
public final class RmsNorm extends Module implements Layer {
  private final Tensor weight;
  private final double eps;

  public RmsNorm(long dim, double eps, DType dtype) {
    this.weight = param("weight", Tensors.ones(new long[]{dim}, dtype));
    this.eps = eps;
  }

  public Tensor weight() { return weight; }

  @Override
  public Tensor forward(Tensor x) {
    return Fused.rmsNorm(x, weight, eps); // the shim composes the ops itself where its loop does not apply
  }
}
