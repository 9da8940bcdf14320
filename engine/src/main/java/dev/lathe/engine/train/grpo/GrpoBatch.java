package dev.lathe.engine.train.grpo;

import dev.lathe.engine.data.GrpoPrompt;
import dev.lathe.engine.align.GrpoInputs;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import java.util.List;
import java.util.Map;

/**
 * A GRPO micro-batch as tensors: prompts left-padded to the longest prompt p, completions right-padded
 * to the longest completion c, so every completion starts at column p (TRL's layout; the logits that
 * predict completion tokens are hidden[:, p-1 : p-1+c]).
 *
 * @param ids [b, p + c] int64
 * @param attention [b, p + c] float, 1 on real tokens
 * @param completionIds [b, c] int64
 * @param real [b, c] float, 1 on generated tokens
 * @param lossMask [b, c] float, real without environment tokens (a rollout function's env mask) and without the
 *     truncated rows under mask_truncated_completions
 * @param advantages [b] float64
 * @param oldLogps [b, c] or null; refLogps [b, c] or null
 * @param thresholds [b, c] the sampler's kept-set logit thresholds (-inf = whole vocabulary), or null
 * @param samplerLogps [b, c] the sampler's log-probs of the completion tokens, or null
 * @param roundMetrics the round's metrics (reward, completions/...), on the first micro-batch of a round only
 * @param tokens prompt + completion tokens, counted on a round's first pass only (TRL's num_tokens)
 */
public record GrpoBatch(Tensor ids, Tensor attention, Tensor completionIds, Tensor real, Tensor lossMask, Tensor advantages,
    Tensor oldLogps, Tensor refLogps, Tensor thresholds, int promptLength, GrpoInputs.Window window, Map<String, Double> roundMetrics, long tokens,
    Tensor samplerLogps) {

  /** Builds the tensors of rows (in this order); the window and metrics come from the feed. */
  public static GrpoBatch of(List<RolloutRow> rows, List<GrpoPrompt> prompts, long padId, boolean maskTruncated,
      GrpoInputs.Window window, Map<String, Double> roundMetrics, boolean countTokens) {
    int b = rows.size(), p = 0, c = 1;
    for (RolloutRow r : rows) {
      p = Math.max(p, prompts.get(r.prompt()).ids().length);
      c = Math.max(c, r.completion().length);
    }
    long[] ids = new long[b * (p + c)], cids = new long[b * c];
    float[] attn = new float[b * (p + c)], real = new float[b * c], loss = new float[b * c];
    double[] adv = new double[b];
    float[] old = rows.get(0).oldLogps() != null ? new float[b * c] : null, ref = rows.get(0).refLogps() != null ? new float[b * c] : null;
    float[] thr = rows.get(0).thresholds() != null ? new float[b * c] : null;
    boolean sampled = rows.stream().allMatch(r -> r.samplerLogps() != null);
    float[] samp = sampled ? new float[b * c] : null;
    if (thr != null) java.util.Arrays.fill(thr, Float.NEGATIVE_INFINITY);
    long tokens = 0;
    java.util.Arrays.fill(ids, padId);
    java.util.Arrays.fill(cids, padId);
    for (int i = 0; i < b; i++) {
      RolloutRow r = rows.get(i);
      int[] pr = prompts.get(r.prompt()).ids();
      int off = i * (p + c) + p - pr.length;
      for (int j = 0; j < pr.length; j++) { ids[off + j] = pr[j]; attn[off + j] = 1; }
      for (int j = 0; j < r.completion().length; j++) {
        ids[i * (p + c) + p + j] = r.completion()[j];
        attn[i * (p + c) + p + j] = 1;
        cids[i * c + j] = r.completion()[j];
        real[i * c + j] = 1;
        loss[i * c + j] = (maskTruncated && r.truncated()) || !r.trained(j) ? 0 : 1; // environment tokens: context, never trained
        if (old != null) old[i * c + j] = r.oldLogps()[j];
        if (ref != null) ref[i * c + j] = r.refLogps()[j];
        if (thr != null) thr[i * c + j] = r.thresholds()[j];
        if (samp != null) samp[i * c + j] = r.samplerLogps()[j];
      }
      adv[i] = r.advantage();
      tokens += pr.length + r.completion().length;
    }
    return new GrpoBatch(Tensors.of(ids, b, p + c), Tensors.of(attn, b, p + c), Tensors.of(cids, b, c), Tensors.of(real, b, c),
        Tensors.of(loss, b, c), Tensors.of(adv), old == null ? null : Tensors.of(old, b, c), ref == null ? null : Tensors.of(ref, b, c),
        thr == null ? null : Tensors.of(thr, b, c), p, window, roundMetrics, countTokens ? tokens : 0,
        samp == null ? null : Tensors.of(samp, b, c));
  }

  /** Loss-mask tokens of rows (the dapo normaliser's count), without building tensors. */
  public static long lossTokens(List<RolloutRow> rows, boolean maskTruncated) {
    long n = 0;
    for (RolloutRow r : rows) {
      if (maskTruncated && r.truncated()) continue;
      for (int j = 0; j < r.completion().length; j++) if (r.trained(j)) n++;
    }
    return n;
  }
}
