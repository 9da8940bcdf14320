package dev.lathe.engine.remote.gym;

/**
 * One multi-turn rollout as TRL's rollout_func contract carries it (ebft-nemogym.md §C.1): the first
 * model call's prompt, then every later turn's environment tokens (envMask 0, log-prob 0) and generated
 * tokens (envMask 1, sampler log-probs). reward is NaN and error set when the rollout failed: the
 * sample is unscorable and masked, never a silent reward of 0.
 */
public record AgentRollout(int[] promptIds, int[] completionIds, int[] envMask, float[] logprobs, double reward, int numTurns,
    String error) {
  public boolean failed() { return error != null; }
}
