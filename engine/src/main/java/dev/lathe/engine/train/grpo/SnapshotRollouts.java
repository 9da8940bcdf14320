package dev.lathe.engine.train.grpo;

import dev.lathe.engine.generate.Completion;
import dev.lathe.engine.generate.Generator;
import dev.lathe.engine.generate.RolloutEngine;
import dev.lathe.engine.generate.Sampling;
import dev.lathe.engine.text.Tokenizer;
import java.util.List;
import java.util.function.LongUnaryOperator;

/**
 * The in-process rollout engine of async GRPO: generates a round on a weight snapshot (not on the
 * policy being trained), and tags every completion with the snapshot's version. The version argument
 * GRPO passes is the round number; minVersion maps it to the oldest weights that round may be made from.
 */
final class SnapshotRollouts implements RolloutEngine {
  private final WeightSnapshots snapshots;
  private final Tokenizer tokenizer;
  private final long padId;
  private final LongUnaryOperator minVersion;

  SnapshotRollouts(WeightSnapshots snapshots, Tokenizer tokenizer, long padId, LongUnaryOperator minVersion) {
    this.snapshots = snapshots;
    this.tokenizer = tokenizer;
    this.padId = padId;
    this.minVersion = minVersion;
  }

  @Override
  public List<Completion> generate(List<int[]> prompts, Sampling s, long round) {
    WeightSnapshots.Snapshot snap = snapshots.acquire(minVersion.applyAsLong(round));
    try {
      return new Generator(snap.model(), tokenizer, padId).generate(prompts, s, snap.version());
    } finally {
      snapshots.release();
    }
  }
}
