package dev.lathe.engine.nn;

import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;

/**
 * RMSNorm over the last dimension: w * x / sqrt(mean(x^2) + eps). libtorch 1.13 has no
 * rms_norm op, so it is composed; like HF, the statistics run in fp32 and the normalised
 * value is cast back to the input dtype before the weight multiplies it.
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
    DType in = x.dtype();
    Tensor xf = in == DType.F32 ? x : x.toFloat();
    Tensor inv = xf.mul(xf).mean(-1, true).add(eps).rsqrt(); // [..., 1]
    Tensor normed = xf.mul(inv);
    return weight.mul(in == DType.F32 ? normed : normed.to(in));
  }
}
