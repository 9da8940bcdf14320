package dev.lathe.engine.serve;

import dev.lathe.engine.generate.Completion;
import dev.lathe.engine.generate.Listener;
import dev.lathe.engine.generate.Sampling;
import dev.lathe.engine.generate.Ticket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One HTTP request's generation as the decode thread sees it: token-id prompts, one Sampling, whether the
 * LoRA slot is on, and the future its completions (prompt-major, numSamples each) go to. Each prompt
 * becomes one decode-engine request; the job completes when every row of every prompt has finished.
 * A streaming job also gets every sampled token as it is decoded ({@link #events()}). An HTTP thread that
 * loses its client cancels the job: queued, it is dropped; running, its rows leave the batch at the next step.
 */
public final class GenJob {
  /** Row {@code choice} (prompt x n + sample) sampled {@code token}. */
  public record Token(int choice, int token, float logprob) {}

  /** Row {@code choice} finished. */
  public record Done(int choice, Completion completion) {}

  final List<int[]> prompts;
  final Sampling sampling;
  final boolean adapter;
  final CompletableFuture<List<Completion>> result = new CompletableFuture<>();
  private final LinkedBlockingQueue<Object> events;
  private final List<Ticket> tickets = new CopyOnWriteArrayList<>();
  private volatile boolean cancelled;
  // decode thread only
  private Completion[] done;
  private int left;
  private boolean anyCancelled;

  public GenJob(List<int[]> prompts, Sampling sampling, boolean adapter) { this(prompts, sampling, adapter, false); }

  public GenJob(List<int[]> prompts, Sampling sampling, boolean adapter, boolean stream) {
    this.prompts = List.copyOf(prompts);
    this.sampling = sampling;
    this.adapter = adapter;
    this.events = stream ? new LinkedBlockingQueue<>() : null;
  }

  public int rows() { return prompts.size() * sampling.numSamples(); }

  public CompletableFuture<List<Completion>> result() { return result; }

  /** Token and Done events in decode order (streaming jobs only; null otherwise). */
  public LinkedBlockingQueue<Object> events() { return events; }

  public void cancel() {
    cancelled = true;
    for (Ticket t : tickets) t.cancel();
    result.cancel(false);
  }

  public boolean cancelled() { return cancelled; }

  /** Decode thread: a listener for prompt p; onAllDone runs once every row of the job has finished. */
  Listener listener(int p, Runnable onAllDone) {
    int n = sampling.numSamples();
    if (done == null) {
      done = new Completion[rows()];
      left = rows();
    }
    return new Listener() {
      @Override
      public void token(int sample, int token, float logprob) {
        if (events != null) events.add(new Token(p * n + sample, token, logprob));
      }

      @Override
      public void finished(Completion c) {
        // prompt indices are the job's own (the engine echoes the index it was given)
        done[p * n + c.sample()] = c;
        if (c.finishReason().equals("cancelled")) anyCancelled = true;
        if (events != null) events.add(new Done(p * n + c.sample(), c));
        if (--left == 0) {
          result.complete(new ArrayList<>(Arrays.asList(done)));
          onAllDone.run();
        }
      }
    };
  }

  /** Decode thread: whether any row ended because the job was cancelled. */
  boolean endedCancelled() { return anyCancelled || cancelled; }

  /** Registers an engine ticket; a job cancelled before this cancels the ticket at once. */
  void track(Ticket t) {
    tickets.add(t);
    if (cancelled) t.cancel();
  }
}
