package dev.lathe.engine.train.grpo;

/**
 * TRL's batch geometry (grpo-spec §2.3, §3): micro_batch_size counts completions; a generation round
 * is gen_bs completions (gen_bs / G prompts, G each), cut into S micro-batches and trained mu times.
 * Errors say which number to change.
 *
 * @param perRoundPrompts gen_bs / G
 * @param needsOldLogps true unless every round lies inside one optimizer update (GA % (S * mu) == 0,
 *     grpo-spec §7.2); otherwise the generating policy's log-probs are kept for the ratio
 */
public record GrpoGeometry(int microBatchSize, int accumulation, int generationBatchSize, int stepsPerGeneration,
    int numGenerations, int numIterations, int perRoundPrompts, boolean needsOldLogps) {

  public static GrpoGeometry of(int microBatchSize, int accumulation, GrpoSettings s, int prompts) {
    int g = s.numGenerations;
    int genBs, steps;
    if (s.generationBatchSize != null && s.stepsPerGeneration != null) {
      throw new IllegalArgumentException("generation_batch_size and steps_per_generation: set only one of them "
          + "(generation_batch_size = micro_batch_size x steps_per_generation)");
    } else if (s.generationBatchSize != null) {
      genBs = s.generationBatchSize;
      if (genBs < 1 || genBs % microBatchSize != 0) {
        throw new IllegalArgumentException("generation_batch_size: " + genBs + " is not a positive multiple of micro_batch_size "
            + microBatchSize + "; use " + Math.max(microBatchSize, Math.round((double) genBs / microBatchSize) * microBatchSize)
            + " or change micro_batch_size");
      }
      steps = genBs / microBatchSize;
    } else {
      steps = s.stepsPerGeneration != null ? s.stepsPerGeneration : accumulation;
      if (steps < 1) throw new IllegalArgumentException("steps_per_generation: expected >= 1, found " + steps);
      genBs = microBatchSize * steps;
    }
    if (genBs % g != 0) throw notMultiple(microBatchSize, steps, genBs, g, s);
    int perRound = genBs / g;
    if (perRound > prompts) {
      throw new IllegalArgumentException("a generation round needs " + perRound + " prompts (generation_batch_size " + genBs
          + " / num_generations " + g + ") but the dataset has " + prompts + "; lower micro_batch_size, gradient_accumulation_steps "
          + "or steps_per_generation, or add prompts");
    }
    if (s.streamingMinGroups != null) streaming(s.streamingMinGroups, perRound, g, microBatchSize);
    boolean old = accumulation % (steps * s.numIterations) != 0;
    return new GrpoGeometry(microBatchSize, accumulation, genBs, steps, g, s.numIterations, perRound, old);
  }

  /** A streamed chunk is whole groups that fill whole micro-batches, so no micro-batch mixes chunks (Axolotl's go ragged). */
  private static void streaming(int k, int perRound, int g, int mbs) {
    if (k > perRound || perRound % k != 0) {
      throw new IllegalArgumentException("streaming_min_groups: a round has " + perRound + " prompts, which do not split into chunks of "
          + k + " groups; use a divisor of " + perRound);
    }
    if ((k * g) % mbs != 0) {
      int smallest = k;
      while (smallest <= perRound && ((smallest * g) % mbs != 0 || perRound % smallest != 0)) smallest++;
      throw new IllegalArgumentException("streaming_min_groups: a chunk of " + k + " groups x num_generations " + g + " = " + (k * g)
          + " completions does not fill whole micro-batches of micro_batch_size " + mbs + "; use " + (smallest <= perRound ? String.valueOf(smallest)
          : "whole micro-batches per chunk (no divisor of " + perRound + " gives them)") + ", or a micro_batch_size dividing " + (k * g));
    }
  }

  private static IllegalArgumentException notMultiple(int mbs, int steps, int genBs, int g, GrpoSettings s) {
    String how = s.generationBatchSize != null ? "generation_batch_size " + genBs
        : "micro_batch_size x " + (s.stepsPerGeneration != null ? "steps_per_generation" : "gradient_accumulation_steps")
            + " = " + mbs + " x " + steps + " = " + genBs;
    int smallest = 1;
    while ((mbs * smallest) % g != 0) smallest++;
    return new IllegalArgumentException(how + " completions per round is not a multiple of num_generations " + g
        + ": each prompt's " + g + " completions must share a round. Set "
        + (s.generationBatchSize != null ? "generation_batch_size to a multiple of lcm(" + mbs + ", " + g + ")"
            : (s.stepsPerGeneration != null ? "steps_per_generation" : "gradient_accumulation_steps") + " to a multiple of " + smallest)
        + ", or num_generations to a divisor of " + genBs);
  }

  /** Micro-steps (forward + backward passes) per round. */
  public int microStepsPerRound() { return stepsPerGeneration * numIterations; }

  /** Full rounds in one pass over the prompts (the incomplete last chunk is dropped, as TRL's RepeatSampler). */
  public int roundsPerEpoch(int prompts) { return prompts / perRoundPrompts; }
}
