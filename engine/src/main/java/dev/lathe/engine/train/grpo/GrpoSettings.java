package dev.lathe.engine.train.grpo;

import java.util.ArrayList;
import java.util.List;

/**
 * GRPO/GDPO's own settings (the `trl:` keys of grpo-spec §2 that are not the loss's), with TRL main's
 * defaults except where docs/grpo.md says otherwise. Filled by the YAML binder and the recipe DSL alike.
 */
public final class GrpoSettings {
  /** G: completions per prompt. */
  public int numGenerations = 8;
  /** Always explicit (never "until the context is full"); TRL 1.8's default. */
  public int maxCompletionLength = 256;
  /** Completions per generation round across all processes; null = derived (grpo-spec §2.3). */
  public Integer generationBatchSize;
  /** S: micro-batches a round is cut into; null = derived. */
  public Integer stepsPerGeneration;
  /** mu: passes over each round. */
  public int numIterations = 1;
  public boolean maskTruncatedCompletions = false;
  public double temperature = 1.0;
  public double topP = 1.0;
  public int topK = 0;
  public double minP = 0.0;
  public double repetitionPenalty = 1.0;
  /** Generation ends at any of these strings as well as at EOS. */
  public List<String> stopStrings = new ArrayList<>();
  /** scale_rewards: group | batch | none (true = group, false = none). */
  public String scaleRewards = "group";
  /** multi_objective_aggregation: sum_then_normalize (GRPO) | normalize_then_sum (GDPO). */
  public String aggregation = "sum_then_normalize";
  /** Write every round's completions to completions.jsonl. */
  public boolean logCompletions = false;
  /** Completions printed per round when logCompletions is on. */
  public int numCompletionsToPrint = 2;
  /** Completions per eval prompt (TRL's num_generations_eval); null = num_generations. 1 is allowed: eval needs no groups. */
  public Integer numGenerationsEval;
  /** Shuffle the prompts each epoch (TRL's shuffle_dataset). */
  public boolean shuffleDataset = true;
  /** Async GRPO (async_prefetch: a background producer on a weight snapshot); null = synchronous rounds. */
  public AsyncSettings async;
  /**
   * streaming_partial_batch with streaming_min_groups = this: a round is generated and scored in chunks of this many
   * groups, advantages per chunk (RoundMaker); null = off (the whole round at once).
   */
  public Integer streamingMinGroups;
  /** Zero-variance groups: skip, dynamic sampling, replay, re-rolls (skip_zero_advantage_batches, replay_*, reroll_*). */
  public RecoverySettings recovery = new RecoverySettings();

  public GrpoSettings validate() {
    if (numGenerations < 2) throw bad("num_generations", numGenerations, ">= 2 (advantages compare the completions of a prompt)");
    if (maxCompletionLength < 1) throw bad("max_completion_length", maxCompletionLength, ">= 1");
    if (numIterations < 1) throw bad("num_iterations", numIterations, ">= 1");
    if (!(temperature > 0)) throw bad("temperature", temperature, "> 0 (GRPO samples; 0 would be greedy and every group identical)");
    if (!(topP > 0 && topP <= 1)) throw bad("top_p", topP, "in (0, 1]");
    if (topK < 0) throw bad("top_k", topK, ">= 0 (0 = off)");
    if (!(minP >= 0 && minP <= 1)) throw bad("min_p", minP, "in [0, 1]");
    if (!(repetitionPenalty > 0)) throw bad("repetition_penalty", repetitionPenalty, "> 0");
    if (numGenerationsEval != null && numGenerationsEval < 1) throw bad("num_generations_eval", numGenerationsEval, ">= 1");
    if (numCompletionsToPrint < 0) throw bad("num_completions_to_print", numCompletionsToPrint, ">= 0");
    recovery.validate();
    if (streamingMinGroups != null && streamingMinGroups < 1) throw bad("streaming_min_groups", streamingMinGroups, ">= 1 (groups per streamed chunk)");
    if (streamingMinGroups != null && recovery.changesRounds()) {
      throw new IllegalArgumentException("streaming_partial_batch: replay_buffer_size, reroll_start_fraction and dynamic sampling rework the "
          + "whole round's groups before its advantages, which streaming computes chunk by chunk; use one or the other");
    }
    if (async != null && (recovery.replayBufferSize > 0 || recovery.rerolls())) {
      throw new IllegalArgumentException("async_prefetch: replay_buffer_size and reroll_start_fraction are not implemented with "
          + "the background producer yet (their buffers would run ahead of the checkpointed cursor); use them with synchronous rounds "
          + "(dynamic sampling works with both)");
    }
    return this;
  }

  private static IllegalArgumentException bad(String key, Object v, String expected) {
    return new IllegalArgumentException(key + ": expected " + expected + ", found " + v);
  }
}
