package dev.lathe.engine.model;

import dev.lathe.engine.tensor.Fused;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;

/**
 * Per-token log-probabilities of label tokens from final hidden states and the lm_head weight,
 * without ever holding [b, s, v] log-probs. The native op (a custom autograd function in the
 * shim) walks the flattened tokens in chunks of chunkSize rows: forward keeps only one chunk's
 * [chunk, v] logits at a time and saves the per-token logsumexp; backward recomputes each
 * chunk's logits to form the gradients. Peak extra memory is O(chunk * v), not O(b * s * v).
 *
 * <p>Online RL uses the same op for the sampler's distribution: pass hidden / T for sampling
 * temperature T (the op is linear in hidden), and the sampler's per-token kept-set threshold so
 * the softmax runs over the tokens top-k / top-p / min-p kept (see {@link #ofLabels(Tensor,
 * Tensor, Tensor, Tensor, Tensor, int)}).
 */
public final class LogProbs {
  private LogProbs() {}

  /**
   * @param logps [b, s] float32 log p(label | prefix), 0 where masked; differentiable w.r.t.
   *     hidden and the lm_head weight
   * @param logitSums [b, s] float32 sum of the raw logits over the vocabulary per token (no grad),
   *     for TRL's logits/chosen metric (mean logit = sum over tokens / (tokens * v))
   * @param entropy [b, s] float32 entropy -sum p log p of the same distribution logps is taken
   *     from (threshold applied), 0 where masked; no grad
   */
  public record Result(Tensor logps, Tensor logitSums, Tensor entropy) {
    /** Sum of log-probs per row [b] over masked-in tokens (the masked ones are already 0). */
    public Tensor sequenceSum() { return logps.sum(1, false); }
  }

  /** Labels < 0 (HF's -100) and positions with mask 0 are ignored and give 0. */
  public static final long IGNORE = -100;

  /** The whole vocabulary (no kept-set threshold). */
  public static Result ofLabels(Tensor hidden, Tensor weight, Tensor labels, Tensor mask, int chunkSize) {
    return ofLabels(hidden, weight, labels, mask, null, chunkSize);
  }

  /**
   * @param hidden [b, s, h] final hidden states (divide by the sampling temperature first)
   * @param weight [v, h] lm_head weight
   * @param labels [b, s] token ids aligned with hidden (shift before calling: hidden[:, :-1] vs ids[:, 1:])
   * @param mask [b, s] 0/1 or bool, or null for all
   * @param threshold [b, s] per-token logit threshold or null: the softmax runs only over tokens
   *     whose logit (of hidden as passed) is >= the threshold, the label always included; -inf
   *     keeps everything. The rollout engine records it per sampled token ({@code Completion.thresholds}).
   * @param chunkSize rows of the flattened [b*s] tokens per chunk
   */
  public static Result ofLabels(Tensor hidden, Tensor weight, Tensor labels, Tensor mask, Tensor threshold, int chunkSize) {
    if (chunkSize <= 0) throw new IllegalArgumentException("chunkSize must be positive, got " + chunkSize);
    long b = hidden.size(0);
    long s = hidden.size(1);
    if (labels.size(0) != b || labels.size(1) != s) {
      throw new IllegalArgumentException("labels " + labels.describe() + " do not match hidden " + hidden.describe());
    }
    if (threshold != null && (threshold.dim() != 2 || threshold.size(0) != b || threshold.size(1) != s)) {
      throw new IllegalArgumentException("threshold " + threshold.describe() + " does not match hidden " + hidden.describe());
    }
    Tensor lab = labels.toLong();
    if (mask != null) lab = Tensors.where(mask.ne(0.0), lab, Tensors.fullLike(lab, IGNORE));
    Tensor flat = hidden.reshape(b * s, hidden.size(2));
    Tensor tau = threshold == null ? null : threshold.toFloat().reshape(b * s);
    Tensor[] out = Fused.labelLogprobs(flat, weight, lab.reshape(b * s), tau, chunkSize);
    return new Result(out[0].view(b, s), out[1].view(b, s), out[2].view(b, s));
  }

  /** The plain computation, [b, s, v] at once (tests and benchmarks compare against it). */
  public static Tensor full(Tensor hidden, Tensor weight, Tensor labels, Tensor mask) {
    Tensor logp = hidden.matmul(weight.t()).toFloat().logSoftmax(-1);
    Tensor lab = labels.toLong();
    Tensor valid = lab.ge(0.0);
    if (mask != null) valid = valid.logicalAnd(mask.ne(0.0));
    Tensor picked = logp.gather(2, lab.mul(lab.ge(0.0).toLong()).unsqueeze(2)).squeeze(2);
    return picked.mul(valid.toFloat());
  }
}
