package dev.lathe.engine.reward;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The process strategy of {@link RewardCalls}: {@code workers} worker JVMs ({@link RewardWorker}, the trainer's
 * java and classpath), each owned by one dispatch thread and running one call at a time. A call's time limit
 * starts when its request is written. At the limit the worker is killed (its process tree, forcibly) and the
 * call completes with a TimeoutException; a worker that exits under a call (System.exit, a crash) completes it
 * with a {@link RewardWorkerException}. Either way the dispatch thread starts a fresh worker before its next
 * call and counts a restart. Workers are started (and their functions checked against the trainer's) when
 * the runner is built, so a rewards file that fails to load is an error before training, not a stream of NaNs.
 */
final class ProcessCalls implements RewardCalls {
  private static final Duration STARTUP = Duration.ofMinutes(3); // JVM start + compiling rewards.kts on a loaded machine
  private static final String EOF = "\u0000eof";

  private final List<Reward> rewards;
  private final RewardIsolation isolation;
  private final Duration timeout;
  private final Consumer<String> log;
  private final ExecutorService dispatch;
  private final BlockingQueue<Worker> started = new LinkedBlockingQueue<>();
  private final ThreadLocal<Worker> own = new ThreadLocal<>();
  private final List<Worker> all = new ArrayList<>();
  private final AtomicInteger restarts = new AtomicInteger();
  private final AtomicLong ids = new AtomicLong();
  private volatile boolean closed;

  ProcessCalls(List<Reward> rewards, int workers, Duration timeout, RewardIsolation isolation, Consumer<String> log) {
    this.rewards = rewards;
    this.isolation = isolation;
    this.timeout = timeout;
    this.log = log;
    AtomicInteger n = new AtomicInteger();
    this.dispatch = Executors.newFixedThreadPool(workers, r -> {
      Thread t = new Thread(r, "lathe-reward-dispatch-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    List<Worker> fresh = new ArrayList<>();
    try {
      for (int i = 0; i < workers; i++) fresh.add(spawn()); // all start in parallel
      for (Worker w : fresh) w.awaitReady();
    } catch (RuntimeException e) {
      for (Worker w : fresh) w.kill();
      dispatch.shutdownNow();
      throw e;
    }
    started.addAll(fresh);
  }

  @Override
  public CompletableFuture<Object> call(int fn, Reward reward, List<Sample> covered) {
    CompletableFuture<Object> result = new CompletableFuture<>();
    String request = RewardWire.request(ids.incrementAndGet(), fn, covered); // a row that cannot cross fails here, on the caller
    dispatch.execute(() -> run(request, result));
    return result;
  }

  private void run(String request, CompletableFuture<Object> result) {
    if (result.isDone()) return; // cancelled while queued
    Worker w = own.get();
    try {
      if (w != null && w.fresh) { // replaced after a kill or an exit: wait for it to be ready
        w.fresh = false;
        w.awaitReady();
      }
      if (w == null || !w.alive()) {
        w = w == null ? started.poll() : null;
        if (w == null) {
          w = spawn();
          w.awaitReady();
        }
        own.set(w);
      }
      result.complete(w.call(request, timeout));
    } catch (TimeoutException e) {
      w.kill();
      restarted("killed at the " + timeout.toMillis() + " ms timeout");
      result.completeExceptionally(e);
      replace();
    } catch (RewardWorkerException e) {
      boolean died = !w.alive();
      if (died) restarted("exited (" + e.getMessage() + ")");
      result.completeExceptionally(e);
      if (died) replace();
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
    }
  }

  /** This thread's next worker starts booting now, not when the next call arrives (it is awaited then). */
  private void replace() {
    if (closed) return;
    try {
      Worker w = spawn();
      w.fresh = true;
      own.set(w);
    } catch (RewardException e) {
      own.remove(); // the next call tries again and reports
    }
  }

  private void restarted(String why) {
    int n = restarts.incrementAndGet();
    if (!closed) log.accept("reward worker " + why + "; a new worker process takes its place (" + n + " restart" + (n == 1 ? "" : "s") + " so far)");
  }

  @Override
  public int restarts() { return restarts.get(); }

  private Worker spawn() {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-XX:TieredStopAtLevel=1"); // reward code is short calls; a fast start matters more than peak speed
    cmd.addAll(isolation.jvmOptions());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(RewardWorker.class.getName());
    cmd.add(isolation.factory());
    cmd.add(isolation.argument());
    try {
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      Worker w = new Worker(p);
      synchronized (all) { all.add(w); }
      return w;
    } catch (IOException e) {
      throw new RewardException("cannot start a reward worker process (" + cmd.get(0) + "): " + e.getMessage(), e);
    }
  }

  /** One worker process: its stdin for requests, a reader thread turning its stdout into lines. */
  private final class Worker {
    private final Process process;
    private final Writer in;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    /** Spawned to replace a dead worker, not yet checked ready (only its dispatch thread touches it). */
    boolean fresh;

    Worker(Process process) {
      this.process = process;
      this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      Thread reader = new Thread(() -> {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String l; (l = out.readLine()) != null; ) lines.add(l);
        } catch (IOException ignored) {
          // the process went away: reported as its exit below
        } finally {
          lines.add(EOF);
        }
      }, "lathe-reward-worker-" + process.pid());
      reader.setDaemon(true);
      reader.start();
    }

    boolean alive() { return process.isAlive(); }

    void awaitReady() {
      String line = next(STARTUP);
      try {
        if (line == null) throw new RewardException("a reward worker process did not start within " + STARTUP.toSeconds() + " s");
        if (line.equals(EOF)) throw new RewardException("a reward worker process exited while starting (status " + status() + "); its stderr is above");
        var o = RewardWire.JSON.readTree(line);
        if (o.has("fatal")) throw new RewardException("a reward worker process could not build the reward functions: " + o.get("fatal").asText());
        List<String> found = new ArrayList<>(), expected = new ArrayList<>();
        for (var x : o.get("ready")) found.add(x.get("name").asText() + (x.get("group").asBoolean() ? " (per group)" : ""));
        for (Reward r : rewards) expected.add(r.name() + (r.perGroup() != null ? " (per group)" : ""));
        if (!found.equals(expected)) {
          throw new RewardException("a reward worker process built " + found + " but the trainer scores with " + expected
              + "; the factory (" + isolation.factory() + ") must rebuild the same functions in the same order");
        }
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new RewardException("a reward worker process wrote something other than its ready line: " + line, e);
      } catch (RewardException e) {
        kill();
        throw e;
      }
    }

    Object call(String request, Duration limit) throws TimeoutException {
      try {
        in.write(request);
        in.write('\n');
        in.flush();
      } catch (IOException e) {
        throw died();
      }
      String line = next(limit);
      if (line == null) throw new TimeoutException("timed out after " + limit.toMillis() + " ms; the worker process was killed");
      if (line.equals(EOF)) throw died();
      try {
        RewardWire.Response r = RewardWire.readResponse(line);
        if (r.error() != null) throw new RewardWorkerException(r.error(), r.message());
        return r.value();
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new RewardException("a reward worker process answered with something other than a result line: " + line, e);
      }
    }

    private RewardWorkerException died() {
      return new RewardWorkerException("worker exit", "the worker process exited with status " + status() + " during the call");
    }

    private String next(Duration limit) {
      try {
        return limit == null ? lines.take() : lines.poll(limit.toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RewardException("interrupted while waiting for a reward worker process", e);
      }
    }

    private String status() {
      try {
        return process.waitFor(5, TimeUnit.SECONDS) ? String.valueOf(process.exitValue()) : "unknown";
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "unknown";
      }
    }

    void kill() {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void close() {
      try {
        in.close(); // the worker exits when its stdin closes
        if (!process.waitFor(2, TimeUnit.SECONDS)) kill();
      } catch (IOException | InterruptedException e) {
        kill();
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    dispatch.shutdownNow();
    synchronized (all) {
      for (Worker w : all) if (w.alive()) w.close();
    }
  }
}
