package dev.lathe.engine.generate;

import java.util.List;

/**
 * Where a trainer's rollouts come from: the in-process {@link Generator} ({@code generator::generate})
 * or a generation server ({@code dev.lathe.engine.remote.RemoteRollouts}). Same contract either way:
 * completions prompt-major, numSamples per prompt, token ids, sampler log-probs, finish reasons, tagged
 * with policyVersion; a remote engine syncs the trainer's weights to the server first when the version
 * moved on.
 */
@FunctionalInterface
public interface RolloutEngine {
  List<Completion> generate(List<int[]> prompts, Sampling s, long policyVersion);
}
