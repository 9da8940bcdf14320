package dev.lathe.engine.generate;

import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.model.Inputs;
import dev.lathe.engine.model.RowKvCache;
import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import dev.lathe.engine.text.Tokenizer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The continuous-batching core. Requests (prompt ids + their own Sampling + a Listener) join a
 * running decode batch between steps (their prompts prefilled together, their cache rows appended)
 * and their rows leave it when they finish (EOS, stop string, token budget, cancel); the last live
 * rows move into the freed cache rows so a step always runs over rows [0, live).
 *
 * <p>Thread confinement: every tensor belongs to the one thread that calls {@link #step()} (the
 * caller of {@link #runUntilIdle()}, or the thread {@link #start()} makes). Only {@link #submit}
 * and {@link Ticket#cancel()} may be called from other threads. Admission is bounded: at most
 * maxRows rows decode at once and at most maxWaiting requests wait; beyond that submit refuses.
 */
public final class DecodeEngine implements AutoCloseable {
  private final CausalLM model;
  private final Tokenizer tokenizer;
  private final long padId;
  private final int maxRows;
  private final int capacity;
  private final int maxWaiting;
  private final ConcurrentLinkedQueue<Queued> inbox = new ConcurrentLinkedQueue<>();
  private final AtomicInteger waiting = new AtomicInteger();
  private final ArrayDeque<Queued> queue = new ArrayDeque<>();
  private final List<LiveRow> rows = new ArrayList<>();
  private final Scope state = Scope.detached();
  private final Object wake = new Object();
  private RowKvCache cache;
  private Tensor logits; // [rows, v] next-token logits of every live row, or null
  private Thread thread;
  private volatile boolean closing;

  /**
   * @param maxRows rows decoded at once (a request takes numSamples rows)
   * @param capacity positions per row: the longest prompt plus its max new tokens must fit
   * @param maxWaiting requests that may wait for rows before submit refuses
   */
  public DecodeEngine(CausalLM model, Tokenizer tokenizer, long padId, int maxRows, int capacity, int maxWaiting) {
    if (maxRows < 1 || capacity < 2 || maxWaiting < 1) {
      throw new IllegalArgumentException("decode engine needs maxRows >= 1, capacity >= 2, maxWaiting >= 1; got "
          + maxRows + ", " + capacity + ", " + maxWaiting);
    }
    this.model = model;
    this.tokenizer = tokenizer;
    this.padId = padId;
    this.maxRows = maxRows;
    this.capacity = capacity;
    this.maxWaiting = maxWaiting;
  }

  /** Queues a request (any thread). Refuses what can never fit and, when maxWaiting wait already, anything. */
  public Ticket submit(Request r) {
    Sampling s = r.sampling();
    if (!s.useCache()) throw new IllegalArgumentException("the decode engine always uses its KV cache (useCache false is Generator's reference path)");
    if (s.numSamples() > maxRows) {
      throw new IllegalArgumentException("request wants " + s.numSamples() + " samples but the engine decodes at most " + maxRows + " rows");
    }
    if (r.promptIds().length + s.maxNewTokens() > capacity) {
      throw new IllegalArgumentException("prompt of " + r.promptIds().length + " tokens + max_new_tokens " + s.maxNewTokens()
          + " exceeds the engine's " + capacity + " positions per row");
    }
    if (waiting.incrementAndGet() > maxWaiting) {
      waiting.decrementAndGet();
      throw new RejectedExecutionException("decode engine busy: " + maxWaiting + " requests already waiting");
    }
    Queued q = new Queued(r);
    inbox.add(q);
    synchronized (wake) { wake.notifyAll(); }
    return q.ticket;
  }

  /** Rows decoding now. */
  public int liveRows() { return rows.size(); }

  /** Steps on the calling thread until nothing is queued or running. */
  public void runUntilIdle() {
    while (step()) { /* next step */ }
  }

  /**
   * One iteration on the decode thread: sample a token for every live row, retire finished rows,
   * admit waiting requests into the freed rows, run one decode forward. Returns whether work remains.
   */
  public boolean step() {
    boolean wasTraining = model.isTraining();
    model.train(false);
    try (var g = Grad.disabled(); Scope st = Scope.open()) {
      for (Queued q; (q = inbox.poll()) != null; ) queue.add(q);
      if (logits != null) sampleAll();
      retire();
      List<LiveRow> fed = new ArrayList<>(rows);
      Tensor fresh = admit();
      Tensor next = fed.isEmpty() ? null : forward(fed);
      Tensor all = next == null ? fresh : fresh == null ? next : Tensors.cat(List.of(next, fresh), 0);
      if (logits != null) logits.close();
      logits = all == null ? null : state.own(all);
      return !rows.isEmpty() || !queue.isEmpty() || !inbox.isEmpty();
    } finally {
      model.train(wasTraining);
    }
  }

  private void sampleAll() {
    Sampler.Picks p = Sampler.pick(logits, rows);
    for (int i = 0; i < rows.size(); i++) {
      LiveRow r = rows.get(i);
      if (r.owner.ticket.cancelled()) {
        r.state.finish = "cancelled";
        continue;
      }
      int token = (int) p.tokens()[i];
      float lp = p.logprobs()[i];
      r.state.add(token, lp, p.thresholds()[i], r.sampling(), tokenizer);
      r.fed = token;
      r.slot++;
      notify(r.owner, l -> l.token(r.sample, token, lp));
    }
  }

  // finished rows leave; each live row beyond the new end moves into a freed row below it (one copy per mover)
  private void retire() {
    int live = 0;
    for (LiveRow r : rows) {
      if (r.state.done()) finish(r);
      else live++;
    }
    if (live == rows.size()) return;
    List<Long> holes = new ArrayList<>();
    List<Long> movers = new ArrayList<>();
    long upTo = 0;
    for (int i = 0; i < rows.size(); i++) {
      LiveRow r = rows.get(i);
      if (i < live && r.state.done()) holes.add((long) i);
      if (i >= live && !r.state.done()) {
        movers.add((long) i);
        upTo = Math.max(upTo, r.slot);
      }
    }
    for (int k = 0; k < holes.size(); k++) rows.set((int) (long) holes.get(k), rows.get((int) (long) movers.get(k)));
    rows.subList(live, rows.size()).clear();
    if (!movers.isEmpty()) cache.moveRows(toArray(movers), toArray(holes), upTo);
  }

  private void finish(LiveRow r) {
    Request q = r.owner.request;
    Completion c = r.state.complete(q.prompt(), r.sample, q.promptIds(), q.policyVersion(), tokenizer);
    notify(r.owner, l -> l.finished(c));
  }

  private Tensor admit() {
    List<Queued> group = new ArrayList<>();
    int free = maxRows - rows.size();
    while (!queue.isEmpty()) {
      Queued q = queue.peek();
      if (q.ticket.cancelled()) {
        queue.poll();
        waiting.decrementAndGet();
        for (int k = 0; k < q.rows(); k++) {
          Completion c = new RowState().complete(q.request.prompt(), k, q.request.promptIds(), q.request.policyVersion(), tokenizer);
          notify(q, l -> l.finished(new Completion(c.prompt(), c.sample(), c.tokens(), c.text(), c.logprobs(), "cancelled",
              c.promptIds(), c.thresholds(), c.policyVersion())));
        }
        continue;
      }
      if (q.rows() > free || !fits(group, q)) break;
      queue.poll();
      waiting.decrementAndGet();
      free -= q.rows();
      group.add(q);
    }
    if (group.isEmpty()) return null;
    if (cache == null) cache = RowKvCache.allocate(model.spec(), maxRows, capacity, model.lmHeadWeight().dtype());
    return Prefill.join(model, cache, padId, group, rows);
  }

  // the group is left-padded to its longest prompt; every member's prompt + budget must still fit
  private boolean fits(List<Queued> group, Queued q) {
    int longest = q.request.promptIds().length;
    int budget = q.request.sampling().maxNewTokens();
    for (Queued g : group) {
      longest = Math.max(longest, g.request.promptIds().length);
      budget = Math.max(budget, g.request.sampling().maxNewTokens());
    }
    return longest + budget <= capacity;
  }

  private Tensor forward(List<LiveRow> fed) {
    int n = fed.size();
    long[] ids = new long[n];
    long[] starts = new long[n];
    long[] slots = new long[n];
    for (int i = 0; i < n; i++) {
      LiveRow r = fed.get(i);
      ids[i] = r.fed;
      starts[i] = r.start;
      slots[i] = r.slot - 1; // the fed token's slot
    }
    cache.prepare(starts, slots);
    return model.lastLogits(new Inputs(Tensors.of(ids, n, 1), null, null, null, cache));
  }

  private void notify(Queued q, java.util.function.Consumer<Listener> call) {
    if (q.failed) return;
    try {
      call.accept(q.request.listener());
    } catch (RuntimeException e) {
      q.failed = true;
      q.ticket.cancel();
    }
  }

  private static long[] toArray(List<Long> xs) {
    long[] out = new long[xs.size()];
    for (int i = 0; i < out.length; i++) out[i] = xs.get(i);
    return out;
  }

  /** Starts a daemon decode thread that steps while there is work and sleeps otherwise (servers). */
  public synchronized void start() {
    if (thread != null) throw new IllegalStateException("decode thread already started");
    thread = Thread.ofPlatform().daemon().name("lathe-decode").start(this::loop);
  }

  private void loop() {
    try {
      while (!closing) {
        boolean more;
        try {
          more = step();
        } catch (RuntimeException e) {
          failAll(e);
          more = false;
        }
        if (!more) {
          synchronized (wake) {
            if (inbox.isEmpty() && !closing) wake.wait(100);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      release();
    }
  }

  private void failAll(Throwable e) {
    for (LiveRow r : rows) notify(r.owner, l -> l.failed(e));
    for (Queued q : queue) notify(q, l -> l.failed(e));
    rows.clear();
    queue.clear();
    waiting.set(inbox.size());
    if (logits != null) logits.close();
    logits = null;
  }

  private void release() {
    if (logits != null) logits.close();
    logits = null;
    state.close();
    if (cache != null) cache.close();
    cache = null;
  }

  /** Stops the decode thread (if started) and frees the cache; running requests are dropped. */
  @Override
  public void close() {
    closing = true;
    Thread t;
    synchronized (this) { t = thread; }
    if (t == null) {
      release();
      return;
    }
    synchronized (wake) { wake.notifyAll(); }
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
