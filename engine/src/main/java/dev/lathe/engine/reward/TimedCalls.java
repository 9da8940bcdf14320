package dev.lathe.engine.reward;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs user calls with at most {@code workers} at once and an optional per-call time limit that starts
 * when the call starts (not when it is queued). The limit is a semaphore taken by the submitting thread
 * before a call is handed to a cached pool, so threads exist only for running calls (not one per queued
 * call), and a call that timed out but ignores its interrupt keeps its thread yet gives back its slot:
 * one hung reward cannot starve the others.
 */
final class TimedCalls implements AutoCloseable {
  private final ExecutorService threads;
  private final ScheduledExecutorService timer;
  private final Semaphore slots;
  private final Duration timeout;

  TimedCalls(int workers, Duration timeout) {
    this.slots = new Semaphore(workers);
    this.timeout = timeout;
    this.threads = Executors.newCachedThreadPool(daemon("lathe-reward-"));
    this.timer = timeout == null ? null : Executors.newSingleThreadScheduledExecutor(daemon("lathe-reward-timer-"));
  }

  /** Blocks until a slot is free, then starts the call; the future completes with its value or failure. */
  <T> CompletableFuture<T> submit(Callable<T> body) throws InterruptedException {
    slots.acquire();
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      threads.execute(() -> run(body, result));
    } catch (RuntimeException e) { // rejected: the pool was closed
      slots.release();
      throw e;
    }
    return result;
  }

  private <T> void run(Callable<T> body, CompletableFuture<T> result) {
    Thread.interrupted(); // a pooled thread starts every call clean
    Call call = new Call(Thread.currentThread());
    ScheduledFuture<?> alarm = timer == null ? null
        : timer.schedule(() -> call.expire(result, timeout, slots), timeout.toNanos(), TimeUnit.NANOSECONDS);
    try {
      T v = body.call();
      if (call.finish()) result.complete(v);
    } catch (Throwable t) {
      if (call.finish()) result.completeExceptionally(t);
    } finally {
      if (alarm != null) alarm.cancel(false);
      call.releaseOnce(slots);
      synchronized (call) {
        Thread.interrupted(); // clear an interrupt the alarm sent after the body returned
      }
    }
  }

  /** One running call: RUNNING until either the body finishes or the alarm expires it, exactly once. */
  private static final class Call {
    private final Thread thread;
    private int state; // 0 running, 1 finished, 2 expired
    private final AtomicInteger released = new AtomicInteger();

    Call(Thread thread) { this.thread = thread; }

    synchronized boolean finish() {
      if (state != 0) return false;
      state = 1;
      return true;
    }

    void expire(CompletableFuture<?> result, Duration limit, Semaphore slots) {
      synchronized (this) {
        if (state != 0) return;
        state = 2;
        thread.interrupt();
      }
      releaseOnce(slots);
      result.completeExceptionally(new TimeoutException("timed out after " + limit.toMillis() + " ms"));
    }

    void releaseOnce(Semaphore slots) {
      if (released.compareAndSet(0, 1)) slots.release();
    }
  }

  @Override
  public void close() {
    threads.shutdownNow();
    if (timer != null) timer.shutdownNow();
  }

  private static ThreadFactory daemon(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
