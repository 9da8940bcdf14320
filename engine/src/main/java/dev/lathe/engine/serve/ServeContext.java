package dev.lathe.engine.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.engine.generate.Completion;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/** What every API class shares: the served model, the decode loop, ids for responses. */
final class ServeContext {
  final ServedModel model;
  final DecodeLoop loop;
  // how often a waiting request checks that its client is still connected: a probe is one non-blocking
  // 1-byte read, and a short period matters because a queued job whose client left must be dropped
  // before the decode thread admits it (a tiny model frees a batch slot within tens of milliseconds)
  private static final long CLIENT_POLL_MILLIS = 10;
  private final AtomicLong ids = new AtomicLong();

  ServeContext(ServedModel model, DecodeLoop loop) {
    this.model = model;
    this.loop = loop;
  }

  String nextId(String prefix) { return prefix + "-" + ids.incrementAndGet(); }

  long now() { return System.currentTimeMillis() / 1000; }

  /** The names the server answers to: the base model, then the adapter slot when loaded. */
  List<String> modelNames() {
    List<String> names = new ArrayList<>(List.of(model.name()));
    String a = model.adapters().name();
    if (a != null && !a.equals(model.name())) names.add(a);
    return names;
  }

  /** Resolves an OpenAI "model" field: true = run with the adapter slot on. Absent = the base model. */
  boolean adapterFor(JsonNode body) {
    String want = Fields.string(body, "model", null);
    if (want == null) return false;
    if (model.adapters().selects(want)) return true;
    if (want.equals(model.name())) return false;
    throw new BadRequest("model", "the model '" + want + "' is not served here; GET /v1/models lists " + modelNames());
  }

  /** Submits, waits, and cancels the job when the client goes away or the wait is interrupted. */
  List<Completion> generate(Exchange ex, GenJob job) throws Exception {
    loop.submit(job);
    ex.onFailure(job::cancel);
    return cancelling(job, () -> {
      while (true) {
        try {
          return job.result().get(CLIENT_POLL_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException stillRunning) {
          if (ex.clientGone()) {
            job.cancel();
            throw new ClientGone();
          }
        }
      }
    });
  }

  /** A wait on a submitted job that may fail as the job or the client does. */
  @FunctionalInterface
  private interface Wait<T> {
    T run() throws Exception;
  }

  /**
   * The one place a request's wait turns failures into outcomes: a failed write or an interrupt cancels the
   * job (its rows leave the batch), a cancelled job means the client left, and a job that failed rethrows
   * its own cause (a BadRequest stays a 400).
   */
  private static <T> T cancelling(GenJob job, Wait<T> body) throws Exception {
    try {
      return body.run();
    } catch (java.io.IOException writeFailed) {
      job.cancel();
      throw new ClientGone();
    } catch (InterruptedException e) {
      job.cancel();
      throw e;
    } catch (CancellationException e) {
      throw new ClientGone();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception x) throw x;
      throw e;
    }
  }

  /** What a streaming API writes per decode step: one choice's token (with its text delta) or its end. */
  interface StreamSink {
    void token(int choice, int token, float logprob, String delta) throws java.io.IOException;

    void done(int choice, Completion c, String delta) throws java.io.IOException;
  }

  /**
   * Submits a streaming job and hands each sampled token to sink as the decode thread produces it (one
   * event per decode step and row), then returns the completions. A client that leaves (probe or failed
   * write) cancels the job, whose rows then leave the running batch at the next step.
   */
  List<Completion> stream(Exchange ex, GenJob job, StreamSink sink) throws Exception {
    loop.submit(job);
    ex.onFailure(job::cancel);
    StreamText[] texts = new StreamText[job.rows()];
    return cancelling(job, () -> {
      while (true) {
        Object e = job.events().poll(CLIENT_POLL_MILLIS, TimeUnit.MILLISECONDS);
        if (e == null) {
          // events are queued before the future completes, so done + empty means nothing more will come
          if (job.result().isDone() && job.events().isEmpty()) break;
          if (ex.clientGone()) {
            job.cancel();
            throw new ClientGone();
          }
        } else if (e instanceof GenJob.Token t) {
          sink.token(t.choice(), t.token(), t.logprob(), text(texts, t.choice(), job).next(t.token()));
        } else if (e instanceof GenJob.Done d) {
          sink.done(d.choice(), d.completion(), text(texts, d.choice(), job).finish(d.completion()));
        }
      }
      return job.result().get();
    });
  }

  private StreamText text(StreamText[] texts, int choice, GenJob job) {
    if (texts[choice] == null) texts[choice] = new StreamText(model.tokenizer(), job.sampling.stopStrings());
    return texts[choice];
  }

  /** The client left; nothing can be written back. Quiet: Jetty logs it at debug level, not as a 500 warning. */
  static final class ClientGone extends RuntimeException implements org.eclipse.jetty.io.QuietException {
    ClientGone() { super("the client disconnected", null, false, false); }
  }

  /** NaN/inf log-probs are not JSON: they go out as null (TRL's rule). */
  static Object finite(double x) { return Double.isFinite(x) ? x : null; }
}
