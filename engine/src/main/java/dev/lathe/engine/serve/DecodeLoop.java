package dev.lathe.engine.serve;

import dev.lathe.engine.generate.Completion;
import dev.lathe.engine.generate.DecodeEngine;
import dev.lathe.engine.generate.Listener;
import dev.lathe.engine.generate.Request;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one thread that owns the served model's tensors. It steps the continuous-batching
 * {@link DecodeEngine}: HTTP threads submit {@link GenJob}s and control tasks (adapter swap, weight
 * update) into one FIFO, and between decode steps the thread moves queued jobs into the engine, where
 * their rows join the running batch at the next step and leave it when they finish, each with its own
 * sampling settings.
 *
 * <p>The LoRA slot is on or off for the whole model, so a job that wants the other setting, and a
 * control task, wait until the running jobs finish (nothing queued behind them is admitted meanwhile,
 * which keeps FIFO order and keeps a weight update from landing mid-generation).
 *
 * <p>Admission is bounded in rows (prompts x n) queued or running: past {@code maxQueuedRows} a submit
 * fails with {@link Overloaded} (HTTP 503 + Retry-After) instead of growing a queue; at most
 * {@code maxBatchRows} rows decode at once, so the KV cache is bounded by maxBatchRows x max_model_len.
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
  private final AtomicLong steps = new AtomicLong();
  private final AtomicInteger liveRows = new AtomicInteger();
  private final Thread thread;
  private volatile boolean accepting = true;
  private final Object gate = new Object();
  private boolean paused; // under gate
  // decode thread only
  private DecodeEngine engine;
  private final Set<GenJob> running = Collections.newSetFromMap(new IdentityHashMap<>()); // admitted, not complete
  private int runningJobs;
  private boolean adapterOn;

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

  /** Queues a job or throws Overloaded; a prompt whose n rows exceed the batch is a bad request. */
  public GenJob submit(GenJob job) {
    int rows = job.rows();
    if (job.sampling.numSamples() > maxBatchRows) {
      throw new BadRequest("n", "n = " + job.sampling.numSamples() + " rows per prompt exceeds the server's batch limit of " + maxBatchRows);
    }
    if (!accepting) throw new Overloaded("the server is shutting down", 5);
    synchronized (gate) {
      if (paused) throw new Overloaded("generation is paused: the served policy is being trained", 1);
      return admitToQueue(job, rows);
    }
  }

  private GenJob admitToQueue(GenJob job, int rows) {
    if (rows > maxQueuedRows || pendingRows.addAndGet(rows) > maxQueuedRows) {
      if (rows <= maxQueuedRows) pendingRows.addAndGet(-rows);
      throw new Overloaded("the generation queue is full (" + maxQueuedRows + " rows queued or running)", 1);
    }
    queue.add(job);
    return job;
  }

  /**
   * Refuses new generation (503 + Retry-After) and returns once every job already queued or running has
   * finished: from then on the decode thread touches no tensor until {@link #resume()}. This is how a
   * trainer serving its live policy keeps the agents' stragglers away from the weights while it steps.
   */
  public void pause() throws InterruptedException {
    synchronized (gate) { paused = true; }
    try {
      control(() -> null).get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Accepts generation again after {@link #pause()}. */
  public void resume() {
    synchronized (gate) { paused = false; }
  }

  /** Runs task on the decode thread once everything queued before it has finished; its exception completes the future. */
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
    engine = served.engine(maxBatchRows, maxQueuedRows);
    try {
      boolean stopping = false;
      while (true) {
        if (!stopping) stopping = admit();
        if (runningJobs > 0) {
          step();
        } else if (stopping) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      engine.close();
    }
  }

  // moves queued work into the engine until something must wait for the running jobs; true on STOP
  private boolean admit() throws InterruptedException {
    while (true) {
      Object head = runningJobs == 0 ? queue.poll(1, TimeUnit.SECONDS) : queue.peek();
      if (head == null) return false;
      if (runningJobs == 0) queue.addFirst(head); // polled only to block; decide below like a peek
      if (head == STOP) {
        if (runningJobs > 0) return false;
        queue.remove(head);
        return true;
      }
      if (head instanceof Runnable r) {
        if (runningJobs > 0) return false;
        queue.remove(head);
        r.run();
        continue;
      }
      GenJob j = (GenJob) head;
      if (j.cancelled()) {
        queue.remove(j);
        pendingRows.addAndGet(-j.rows());
        cancelledJobs.incrementAndGet();
        continue;
      }
      if (runningJobs > 0 && j.adapter != adapterOn) return false;
      queue.remove(j);
      start(j);
    }
  }

  private void start(GenJob j) {
    if (runningJobs == 0) served.adapters().enable(j.adapter);
    adapterOn = j.adapter;
    runningJobs++;
    running.add(j);
    Runnable allDone = () -> {
      running.remove(j);
      runningJobs--;
      pendingRows.addAndGet(-j.rows());
      if (j.endedCancelled()) cancelledJobs.incrementAndGet();
    };
    try {
      for (int p = 0; p < j.prompts.size(); p++) {
        j.track(engine.submit(new Request(p, j.prompts.get(p), j.sampling, 0, counting(j.listener(p, allDone)))));
      }
    } catch (RuntimeException e) {
      // the engine refused (not expected within the limits SamplingFields checks): fail the job (its caller
      // answers 500), then cancel the prompts already in the engine
      j.result.completeExceptionally(e);
      j.cancel();
      running.remove(j);
      runningJobs--;
      pendingRows.addAndGet(-j.rows());
      LOG.log(Level.WARNING, "the decode engine refused a request", e);
    }
  }

  private Listener counting(Listener l) {
    return new Listener() {
      @Override
      public void token(int sample, int token, float logprob) {
        completionTokens.incrementAndGet();
        l.token(sample, token, logprob);
      }

      @Override
      public void finished(Completion c) { l.finished(c); }
    };
  }

  private void step() {
    try {
      engine.step();
      steps.incrementAndGet();
      liveRows.set(engine.liveRows());
    } catch (RuntimeException e) {
      // a failed step leaves the engine's rows undefined: fail every running job and start a fresh engine
      LOG.log(Level.WARNING, "a decode step failed; failing " + runningJobs + " running requests", e);
      engine.close();
      engine = served.engine(maxBatchRows, maxQueuedRows);
      failRunning(e);
    }
  }

  private void failRunning(Throwable e) {
    for (GenJob j : running) {
      j.result.completeExceptionally(e);
      pendingRows.addAndGet(-j.rows());
    }
    running.clear();
    runningJobs = 0;
  }

  public int pendingRows() { return pendingRows.get(); }

  public long cancelledJobs() { return cancelledJobs.get(); }

  public long completionTokens() { return completionTokens.get(); }

  /** Decode steps run so far. */
  public long steps() { return steps.get(); }

  /** Rows in the running batch after the last step. */
  public int liveRows() { return liveRows.get(); }

  public boolean isAccepting() { return accepting; }

  /** Refuses new work, finishes what is queued and running, then stops the thread (the served model stays open). */
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
