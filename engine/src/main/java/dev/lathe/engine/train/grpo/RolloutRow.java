package dev.lathe.engine.train.grpo;

/**
 * One buffered completion of a generation round, as plain arrays (no tensors, so the buffer outlives
 * step scopes and is written to checkpoints as is).
 *
 * @param prompt index of the prompt in the training set
 * @param completion generated ids (a terminating EOS included)
 * @param truncated stopped at max_completion_length
 * @param advantage from GroupAdvantages
 * @param oldLogps per completion token under the generating policy, or null when not needed
 * @param refLogps per completion token under the reference, or null when beta = 0
 * @param thresholds per completion token, the sampler's kept-set logit threshold (top-k/p, min-p at the
 *     sampling temperature; -inf keeps the whole vocabulary), or null when no filter was active
 * @param samplerLogps per completion token, the sampler's own log-prob (the behaviour policy's), or null
 * @param policyVersion optimizer updates in the weights that generated it (the rollout engine's tag)
 */
public record RolloutRow(int prompt, int[] completion, boolean truncated, double advantage, float[] oldLogps, float[] refLogps,
    float[] thresholds, float[] samplerLogps, long policyVersion) {
  public RolloutRow(int prompt, int[] completion, boolean truncated, double advantage, float[] oldLogps, float[] refLogps,
      float[] thresholds) {
    this(prompt, completion, truncated, advantage, oldLogps, refLogps, thresholds, null, 0);
  }

  public RolloutRow(int prompt, int[] completion, boolean truncated, double advantage, float[] oldLogps, float[] refLogps) {
    this(prompt, completion, truncated, advantage, oldLogps, refLogps, null);
  }

  public RolloutRow withLogps(float[] old, float[] ref) {
    return new RolloutRow(prompt, completion, truncated, advantage, old, ref, thresholds, samplerLogps, policyVersion);
  }
}
