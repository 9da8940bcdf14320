package dev.lathe.engine.generate;

/**
 * One prompt for the decode engine: its ids, its own sampling parameters (numSamples rows share
 * its prefill), the caller's policy-version tag and where its tokens and completions go.
 *
 * @param prompt the caller's index for it, copied into {@link Completion#prompt()}
 */
public record Request(int prompt, int[] promptIds, Sampling sampling, long policyVersion, Listener listener) {
  public Request {
    if (promptIds.length == 0) throw new IllegalArgumentException("empty prompt: generation needs at least one token");
    promptIds = promptIds.clone();
  }
}
