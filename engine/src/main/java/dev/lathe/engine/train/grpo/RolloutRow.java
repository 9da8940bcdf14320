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
 */
public record RolloutRow(int prompt, int[] completion, boolean truncated, double advantage, float[] oldLogps, float[] refLogps) {
  public RolloutRow withLogps(float[] old, float[] ref) { return new RolloutRow(prompt, completion, truncated, advantage, old, ref); }
}
