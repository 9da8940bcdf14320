package dev.lathe.engine.serve;

import dev.lathe.engine.generate.Completion;
import dev.lathe.engine.generate.Sampling;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One request's generation as the decode thread sees it: token-id prompts, one Sampling, whether the
 * LoRA slot is on, and the future its completions (prompt-major, numSamples each) go to. An HTTP thread
 * that loses its client cancels the job; a queued cancelled job is dropped without running.
 */
public final class GenJob {
  final List<int[]> prompts;
  final Sampling sampling;
  final boolean adapter;
  final CompletableFuture<List<Completion>> result = new CompletableFuture<>();
  private volatile boolean cancelled;

  public GenJob(List<int[]> prompts, Sampling sampling, boolean adapter) {
    this.prompts = List.copyOf(prompts);
    this.sampling = sampling;
    this.adapter = adapter;
  }

  public int rows() { return prompts.size() * sampling.numSamples(); }

  public CompletableFuture<List<Completion>> result() { return result; }

  public void cancel() {
    cancelled = true;
    result.cancel(false);
  }

  public boolean cancelled() { return cancelled; }

  /** Jobs run in one batch only when everything but the prompts agrees. */
  boolean batchesWith(GenJob o) { return adapter == o.adapter && sampling.equals(o.sampling); }
}
