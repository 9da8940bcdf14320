package dev.lathe.engine.tensor;

import dev.lathe.ffi.Ops;
import java.util.List;

/**
 * Native fused kernels of the shim (one pass over memory where eager runs several whole-tensor ops).
 * Each has an unfused equivalent it is checked against in the specs.
 */
public final class Fused {
  private Fused() {}

  private static long[] handles(List<Tensor> ts) {
    long[] hs = new long[ts.size()];
    for (int i = 0; i < hs.length; i++) hs[i] = ts.get(i).handle();
    return hs;
  }

  /**
   * torch.optim.AdamW's update of every parameter in place (p, exp_avg, exp_avg_sq), one pass per
   * tensor: p *= 1 - lr*wd; m = lerp(m, g, 1-b1); v = b2 v + (1-b2) g^2; p -= lr/bc1 * m / (sqrt(v)/bc2Sqrt + eps).
   * The four lists are parallel; bc1 = 1 - b1^t and bc2Sqrt = sqrt(1 - b2^t) are the bias corrections.
   */
  public static void adamwStep(List<Tensor> params, List<Tensor> grads, List<Tensor> expAvg, List<Tensor> expAvgSq,
      double lr, double beta1, double beta2, double eps, double weightDecay, double bc1, double bc2Sqrt) {
    if (params.isEmpty()) return;
    Ops.adamwStep(handles(params), handles(grads), handles(expAvg), handles(expAvgSq), lr, beta1, beta2, eps, weightDecay, bc1, bc2Sqrt);
  }

  /** RMSNorm over the last dim, w * x / sqrt(mean(x^2) + eps), x [..., d], w [d]; one pass forward and backward for fp32. */
  public static Tensor rmsNorm(Tensor x, Tensor weight, double eps) { return Tensor.wrap(Ops.rmsNorm(x.handle(), weight.handle(), eps)); }

  /** silu(gate) * up, the SwiGLU product [..., f]; one pass each way for fp32 and bf16, saving only gate and up. */
  public static Tensor siluMul(Tensor gate, Tensor up) { return Tensor.wrap(Ops.siluMul(gate.handle(), up.handle())); }

  /** Rotary embedding x cos + rotate_half(x) sin for x [b, n, s, d] (any strides), cos/sin [b or 1, 1, s, d]. */
  public static Tensor rotary(Tensor x, Tensor cos, Tensor sin) { return Tensor.wrap(Ops.rotary(x.handle(), cos.handle(), sin.handle())); }

  /**
   * Sigmoid DPO over the output layer with its gradients formed in forward (shim_fused_dpo.cpp; see
   * dev.lathe.engine.model.FusedDpo): {loss (scalar), logps [N] (no grad), logit sums [N] (no grad)}.
   */
  public static Tensor[] dpoSigmoid(Tensor hidden, Tensor weight, Tensor labels, Tensor seq, Tensor ref, double beta,
      double labelSmoothing, double scale) {
    return Tensor.wrapAll(Ops.fusedDpoSigmoid(hidden.handle(), weight.handle(), labels.handle(), seq.handle(), ref.handle(),
        beta, labelSmoothing, scale));
  }

  /**
   * Chunked label log-probs over the output layer (shim: label_logprobs; see dev.lathe.engine.model.LogProbs):
   * {logps [N], logit sums [N] (no grad), entropy [N] (no grad)} for flattened hidden [N, h] and labels [N].
   *
   * @param threshold [N] per-token kept-set logit threshold, or null for the whole vocabulary
   */
  public static Tensor[] labelLogprobs(Tensor hidden, Tensor weight, Tensor labels, Tensor threshold, int chunkSize) {
    return Tensor.wrapAll(Ops.labelLogprobs(hidden.handle(), weight.handle(), labels.handle(),
        threshold == null ? 0 : threshold.handle(), chunkSize));
  }
}
