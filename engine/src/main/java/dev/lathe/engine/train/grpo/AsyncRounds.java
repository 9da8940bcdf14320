package dev.lathe.engine.train.grpo;

import dev.lathe.engine.train.PhaseTimer;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Async GRPO's producer (grpo-spec §14.1, §14.3): one background thread makes rounds n, n+1, ... in
 * order (generation on a weight snapshot, rewards, advantages) while the trainer trains; at most
 * prefetch_depth rounds are made or in the making beyond those taken.
 *
 * <p>Staleness is bounded by admission at production: round n is first trained at update
 * c(n) = floor(n S mu / GA), so it may only be generated from weights of version >= c(n) - bound; the
 * producer waits for the trainer to publish such weights rather than generate a round it would have to
 * drop. Waiting, not discarding and regenerating: the prompts of a round are fixed by its number, so
 * nothing is gained by throwing work away on 2 shared cores, and no prompt is favoured for being fast
 * (discard-and-requeue starves slow prompts). {@link #take} checks the bound all the same.
 *
 * <p>The cursor is the next round to take (GrpoFeed's round counter, checkpointed); rounds made ahead
 * are not saved: a resumed run starts the producer at the cursor, so no prompt is skipped or repeated.
 * Scored rounds reach the completion log when taken, so it lists exactly the rounds trained.
 */
final class AsyncRounds implements RoundSource, AutoCloseable {
  private final RoundMaker maker; // on SnapshotRollouts, observer = scored::put
  private final WeightSnapshots snapshots;
  private final AsyncSettings settings;
  private final GrpoGeometry geo;
  private final Consumer<RoundMaker.Scored> observer;
  private final Map<Long, RoundMaker.Scored> scored;
  private final PrintStream log;
  private final Semaphore permits;
  private final LinkedBlockingQueue<Round> ready = new LinkedBlockingQueue<>();
  private final PhaseTimer background = new PhaseTimer();
  private final long bound;
  private Thread thread;
  private long expected = -1;
  private long maxSeen = -1;
  private volatile Throwable failure;
  private volatile boolean stopping;

  /** @param scored where maker's observer puts scored rounds (handed to observer when taken) */
  AsyncRounds(RoundMaker maker, Map<Long, RoundMaker.Scored> scored, WeightSnapshots snapshots, AsyncSettings settings, GrpoGeometry geo,
      Consumer<RoundMaker.Scored> observer, PrintStream log) {
    this.maker = maker;
    this.scored = scored;
    this.snapshots = snapshots;
    this.settings = settings;
    this.geo = geo;
    this.observer = observer;
    this.log = log;
    this.permits = new Semaphore(settings.prefetchDepth());
    this.bound = settings.bound(geo);
  }

  static Map<Long, RoundMaker.Scored> stash() { return new ConcurrentHashMap<>(); }

  /** The update at which round n is first trained. */
  static long consumedAt(long n, GrpoGeometry g) { return n * g.microStepsPerRound() / g.accumulation(); }

  /** The oldest weights round n may be generated from. */
  long minVersion(long n) { return Math.max(0, consumedAt(n, geo) - bound); }

  long bound() { return bound; }

  @Override
  public Round take(long number, long updatesDone, PhaseTimer timer) {
    if (thread == null) start(number, updatesDone);
    if (number != expected) throw new IllegalStateException("async GRPO: round " + number + " asked for, the producer is at " + expected);
    Round r;
    try (var ph = timer.phase("generation_wait")) {
      r = await();
    }
    expected++;
    permits.release();
    long version = r.rows().get(0).policyVersion();
    long staleness = updatesDone - version;
    if (staleness > bound || staleness < 0) {
      throw new IllegalStateException("async GRPO: round " + number + " was generated from weights v" + version + " and would be trained at update "
          + updatesDone + ": staleness " + staleness + " outside [0, " + bound + "] (admission should have prevented this)");
    }
    maxSeen = Math.max(maxSeen, staleness);
    RoundMaker.Scored s = scored.remove(number);
    if (s != null) observer.accept(s);
    Map<String, Double> m = new LinkedHashMap<>(r.metrics());
    m.put("async/staleness", (double) staleness);
    m.put("async/policy_version", (double) version);
    return new Round(r.number(), r.rows(), m);
  }

  /** Trainer thread, after each optimizer update: refresh the snapshot every vllm_sync_interval updates. */
  void afterUpdate(long updatesDone) {
    if (thread != null && updatesDone % settings.syncInterval() == 0) snapshots.publish(updatesDone);
  }

  /** The largest staleness trained so far (-1 before the first round). */
  long maxStaleness() { return maxSeen; }

  private Round await() {
    while (true) {
      Throwable f = failure;
      if (f != null) throw new IllegalStateException("async GRPO: the rollout producer failed: " + f.getMessage(), f);
      try {
        Round r = ready.poll(50, TimeUnit.MILLISECONDS);
        if (r != null) return r;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CancellationException("async GRPO: interrupted while waiting for round " + expected);
      }
    }
  }

  private void start(long from, long version) {
    snapshots.publish(version);
    expected = from;
    thread = Thread.ofPlatform().daemon().name("lathe-grpo-producer").start(() -> produce(from));
    log.println("grpo: async rollouts from round " + from + " (weights v" + version + "), prefetch_depth " + settings.prefetchDepth()
        + ", vllm_sync_interval " + settings.syncInterval() + ", staleness bound " + bound + " update(s)");
  }

  private void produce(long from) {
    try {
      for (long n = from; !stopping; n++) {
        permits.acquire();
        if (stopping) return;
        ready.add(maker.make(n, background));
      }
    } catch (InterruptedException | CancellationException e) {
      // closing
    } catch (Throwable t) {
      if (!stopping) failure = t;
    } finally {
      background.stop();
    }
  }

  /** Stops the producer (a round being generated is finished first) and frees the weight copies. */
  @Override
  public void close() {
    stopping = true;
    snapshots.close();
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      log.println("grpo: async producer: " + background.summary() + "; largest staleness trained " + maxSeen + " (bound " + bound + ")");
    }
    snapshots.free();
  }
}
