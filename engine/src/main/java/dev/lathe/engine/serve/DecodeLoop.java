package dev.lathe.engine.serve;

import dev.lathe.engine.generate.Completion;
import dev.lathe.engine.generate.Generator;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one thread that owns the served model's tensors. HTTP threads submit {@link GenJob}s and
 * control tasks (adapter swap, weight update) into one FIFO; the thread runs control tasks in order and
 * gathers queued jobs that share their sampling settings into one batch for the rollout engine
 * ({@code Generator.generate}: one left-padded prefill, KV-cached decode).
 *
 * <p>Admission is bounded in rows (prompts x n) queued or running: past {@code maxQueuedRows} a
 * submit fails with {@link Overloaded} (HTTP 503 + Retry-After) instead of growing a queue, and a batch
 * never exceeds {@code maxBatchRows}, so the KV cache is bounded by maxBatchRows x max_model_len.
 */
public final class DecodeLoop implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(DecodeLoop.class.getName());
  private static final Object STOP = new Object();

  private final ServedModel served;
  private final int maxQueuedRows;
  private final int maxBatchRows;
  private final LinkedBlockingDeque<Object> queue = new LinkedBlockingDeque<>();
  private final AtomicInteger pendingRows = new AtomicInteger();
  private final AtomicLong cancelledJobs = new AtomicLong();
  private final AtomicLong completionTokens = new AtomicLong();
  private final AtomicLong batches = new AtomicLong();
  private final Thread thread;
  private volatile boolean accepting = true;

  public DecodeLoop(ServedModel served, int maxQueuedRows, int maxBatchRows) {
    if (maxBatchRows < 1 || maxQueuedRows < maxBatchRows) {
      throw new IllegalArgumentException("need 1 <= max batch rows (" + maxBatchRows + ") <= max queued rows (" + maxQueuedRows + ")");
    }
    this.served = served;
    this.maxQueuedRows = maxQueuedRows;
    this.maxBatchRows = maxBatchRows;
    // libtorch and Jinjava recurse deeply; the launcher gives its threads 8 MB stacks too
    this.thread = new Thread(null, this::loop, "lathe-decode", 8L << 20);
    thread.setDaemon(true);
    thread.start();
  }

  /** Queues a job or throws Overloaded; a single job larger than a batch is a bad request. */
  public GenJob submit(GenJob job) {
    int rows = job.rows();
    if (rows > maxBatchRows) {
      throw new BadRequest("n", "prompts x n = " + rows + " rows exceeds the server's batch limit of " + maxBatchRows);
    }
    if (!accepting) throw new Overloaded("the server is shutting down", 5);
    if (pendingRows.addAndGet(rows) > maxQueuedRows) {
      pendingRows.addAndGet(-rows);
      throw new Overloaded("the generation queue is full (" + maxQueuedRows + " rows queued or running)", 1);
    }
    queue.add(job);
    return job;
  }

  /** Runs task on the decode thread after everything queued before it; its exception completes the future. */
  public <T> CompletableFuture<T> control(Callable<T> task) {
    CompletableFuture<T> f = new CompletableFuture<>();
    if (!accepting) throw new Overloaded("the server is shutting down", 5);
    queue.add((Runnable) () -> {
      try {
        f.complete(task.call());
      } catch (Throwable t) {
        f.completeExceptionally(t);
      }
    });
    return f;
  }

  private void loop() {
    Generator gen = served.generator();
    while (true) {
      Object head;
      try {
        head = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      if (head == STOP) return;
      if (head instanceof Runnable r) {
        r.run();
        continue;
      }
      List<GenJob> batch = gather((GenJob) head);
      if (!batch.isEmpty()) run(gen, batch);
    }
  }

  // the head job plus later queued jobs it batches with, up to maxBatchRows; never past a control task
  private List<GenJob> gather(GenJob head) {
    List<GenJob> batch = new ArrayList<>();
    int rows = 0;
    if (!dropIfCancelled(head)) {
      batch.add(head);
      rows = head.rows();
    }
    for (Iterator<Object> it = queue.iterator(); it.hasNext(); ) {
      Object o = it.next();
      if (!(o instanceof GenJob j)) break;
      if (dropIfCancelled(j)) {
        queue.remove(j);
        continue;
      }
      if ((batch.isEmpty() || j.batchesWith(batch.getFirst())) && rows + j.rows() <= maxBatchRows && queue.remove(j)) {
        batch.add(j);
        rows += j.rows();
      }
    }
    return batch;
  }

  private boolean dropIfCancelled(GenJob j) {
    if (!j.cancelled()) return false;
    pendingRows.addAndGet(-j.rows());
    cancelledJobs.incrementAndGet();
    return true;
  }

  private void run(Generator gen, List<GenJob> batch) {
    List<int[]> prompts = new ArrayList<>();
    for (GenJob j : batch) prompts.addAll(j.prompts);
    int n = batch.getFirst().sampling.numSamples();
    try {
      served.adapters().enable(batch.getFirst().adapter);
      List<Completion> out = gen.generate(prompts, batch.getFirst().sampling);
      batches.incrementAndGet();
      int at = 0;
      int firstPrompt = 0;
      for (GenJob j : batch) {
        int k = j.prompts.size() * n;
        List<Completion> mine = new ArrayList<>(k);
        for (Completion c : out.subList(at, at + k)) {
          // prompt indices are the batch's; the job knows only its own prompts
          mine.add(new Completion(c.prompt() - firstPrompt, c.sample(), c.tokens(), c.text(), c.logprobs(), c.finishReason(),
              c.promptIds(), c.thresholds(), c.policyVersion()));
          completionTokens.addAndGet(c.tokens().length);
        }
        at += k;
        firstPrompt += j.prompts.size();
        j.result.complete(mine);
      }
    } catch (Throwable t) {
      LOG.log(Level.WARNING, "generation failed for a batch of " + batch.size() + " requests", t);
      for (GenJob j : batch) j.result.completeExceptionally(t);
    } finally {
      for (GenJob j : batch) pendingRows.addAndGet(-j.rows());
    }
  }

  public int pendingRows() { return pendingRows.get(); }

  public long cancelledJobs() { return cancelledJobs.get(); }

  public long completionTokens() { return completionTokens.get(); }

  public long batches() { return batches.get(); }

  public boolean isAccepting() { return accepting; }

  /** Refuses new work, finishes what is queued, then stops the thread (the served model stays open). */
  @Override
  public void close() {
    accepting = false;
    queue.add(STOP);
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // a submit that raced the flag landed after STOP: fail it rather than leave its caller waiting
    for (Object o : queue) {
      if (o instanceof GenJob j) j.result.completeExceptionally(new Overloaded("the server is shutting down", 5));
    }
    queue.clear();
  }
}
