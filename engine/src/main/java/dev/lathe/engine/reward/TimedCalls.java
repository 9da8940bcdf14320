package dev.lathe.engine.reward;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs user calls on {@code workers} threads with an optional per-call time limit that starts when the
 * call starts (not when it is queued). A call over the limit is failed with a TimeoutException and its
 * thread interrupted; the JVM cannot kill a thread, so if the call ignores the interrupt the pool
 * grows by one thread until it returns: one hung reward cannot starve the others.
 */
final class TimedCalls implements AutoCloseable {
  private final ThreadPoolExecutor pool;
  private final ScheduledExecutorService timer;
  private final Duration timeout;

  TimedCalls(int workers, Duration timeout) {
    this.timeout = timeout;
    this.pool = new ThreadPoolExecutor(workers, workers, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), daemon("lathe-reward-"));
    this.timer = timeout == null ? null : Executors.newSingleThreadScheduledExecutor(daemon("lathe-reward-timer-"));
  }

  <T> CompletableFuture<T> submit(Callable<T> body) {
    CompletableFuture<T> result = new CompletableFuture<>();
    pool.execute(() -> run(body, result));
    return result;
  }

  private <T> void run(Callable<T> body, CompletableFuture<T> result) {
    Thread.interrupted(); // a pooled thread starts every call clean
    Call call = new Call(Thread.currentThread());
    ScheduledFuture<?> alarm = timer == null ? null
        : timer.schedule(() -> call.expire(result, timeout, this::grow), timeout.toNanos(), TimeUnit.NANOSECONDS);
    try {
      T v = body.call();
      if (call.finish()) result.complete(v);
    } catch (Throwable t) {
      if (call.finish()) result.completeExceptionally(t);
    } finally {
      if (alarm != null) alarm.cancel(false);
      boolean expired;
      synchronized (call) {
        expired = call.state == 2;
        Thread.interrupted(); // clear an interrupt the alarm sent after the body returned
      }
      if (expired) shrink(); // the replacement thread added on expiry is no longer needed
    }
  }

  // max first when growing and core first when shrinking: the pool requires core <= max at every step
  private synchronized void grow() {
    int n = pool.getMaximumPoolSize() + 1;
    pool.setMaximumPoolSize(n);
    pool.setCorePoolSize(n); // starts a thread for the queued calls
  }

  private synchronized void shrink() {
    int n = pool.getCorePoolSize() - 1;
    pool.setCorePoolSize(n);
    pool.setMaximumPoolSize(n);
  }

  /** One running call: running until either the body finishes or the alarm expires it, exactly once. */
  private static final class Call {
    private final Thread thread;
    int state; // 0 running, 1 finished, 2 expired; guarded by this

    Call(Thread thread) { this.thread = thread; }

    synchronized boolean finish() {
      if (state != 0) return false;
      state = 1;
      return true;
    }

    /** Marks the call expired, interrupts it and grows the pool, all before run() can see the state. */
    synchronized void expire(CompletableFuture<?> result, Duration limit, Runnable grow) {
      if (state != 0) return;
      state = 2;
      thread.interrupt();
      grow.run();
      result.completeExceptionally(new TimeoutException("timed out after " + limit.toMillis() + " ms"));
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
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
