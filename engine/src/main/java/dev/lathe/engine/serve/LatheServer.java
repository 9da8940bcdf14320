package dev.lathe.engine.serve;

import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * `lathe serve`: OpenAI-, vLLM- and TRL-compatible HTTP over the rollout engine. HTTP threads
 * (virtual threads) parse, tokenize, render templates and wait; the {@link DecodeLoop} thread alone
 * touches tensors. {@link #close()} drains: new requests get 503 while in-flight ones finish (up to
 * the drain timeout), then the decode thread finishes its queue and the model is freed.
 */
public final class LatheServer implements AutoCloseable {
  // Jetty logs through SLF4J into java.util.logging (slf4j-jdk14, see engine/pom.xml). Its INFO lines
  // (version banner, connector start/stop on every server) repeat what `lathe serve` prints itself, so
  // only its warnings are shown unless a JUL configuration sets a level; held strongly (JUL keeps loggers weakly).
  private static final java.util.logging.Logger JETTY_LOG = java.util.logging.Logger.getLogger("org.eclipse.jetty");

  static {
    if (JETTY_LOG.getLevel() == null) JETTY_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  /**
   * @param port 0 = any free port (see {@link #port()})
   * @param maxQueuedRows rows (prompts x n) admitted at once before 503
   * @param maxBatchRows rows decoded together (bounds the KV cache)
   */
  public record Options(String host, int port, int maxQueuedRows, int maxBatchRows, long maxBodyBytes, long drainMillis) {
    public static Options defaults() { return new Options("127.0.0.1", 8000, 256, 32, 256L << 20, 30_000); }

    public Options withAddress(String h, int p) { return new Options(h, p, maxQueuedRows, maxBatchRows, maxBodyBytes, drainMillis); }

    public Options withLimits(int queued, int batch) { return new Options(host, port, queued, batch, maxBodyBytes, drainMillis); }
  }

  private final ServedModel model;
  private final DecodeLoop loop;
  private final Server server;
  private final ServerConnector connector;

  private LatheServer(ServedModel model, Options o) throws Exception {
    this.model = model;
    this.loop = new DecodeLoop(model, o.maxQueuedRows(), o.maxBatchRows());
    QueuedThreadPool pool = new QueuedThreadPool(64, 4);
    pool.setName("lathe-http");
    pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server = new Server(pool);
    connector = new ServerConnector(server);
    connector.setHost(o.host());
    connector.setPort(o.port());
    server.addConnector(connector);
    server.setHandler(new GracefulHandler(new Router(new ServeContext(model, loop), o.maxBodyBytes())));
    server.setStopTimeout(o.drainMillis());
    server.setStopAtShutdown(false);
    try {
      server.start();
    } catch (Exception e) {
      loop.close();
      throw e;
    }
  }

  /** Starts serving; the server owns the model from here on and frees it in close(). */
  public static LatheServer start(ServedModel model, Options o) {
    try {
      return new LatheServer(model, o);
    } catch (java.io.IOException e) {
      model.close();
      throw new java.io.UncheckedIOException("cannot listen on " + o.host() + ":" + o.port() + ": " + e.getMessage(), e);
    } catch (Exception e) {
      model.close();
      throw new IllegalStateException("cannot start the server on " + o.host() + ":" + o.port() + ": " + e.getMessage(), e);
    }
  }

  public int port() { return connector.getLocalPort(); }

  public String baseUrl() {
    String h = connector.getHost() == null || connector.getHost().equals("0.0.0.0") ? "127.0.0.1" : connector.getHost();
    return "http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + port();
  }

  public InetSocketAddress address() { return new InetSocketAddress(connector.getHost(), port()); }

  public ServedModel model() { return model; }

  /** Loads a PEFT adapter into the LoRA slot (on the decode thread) under name, active; returns its version. */
  public long loadAdapter(String name, java.nio.file.Path dir) {
    try {
      return loop.control(() -> {
        model.adapters().load(name, dir, model.adapters().version() + 1);
        return model.adapters().version();
      }).get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while loading the adapter", e);
    }
  }

  /** Generation requests get 503 from now on; returns when none is queued or running (see {@link DecodeLoop#pause()}). */
  public void pauseGeneration() throws InterruptedException { loop.pause(); }

  public void resumeGeneration() { loop.resume(); }

  /** Blocks until the server stops (the CLI's main thread). */
  public void join() throws InterruptedException { server.join(); }

  @Override
  public void close() {
    try {
      server.stop(); // graceful: refuse new requests, wait for in-flight ones up to the drain timeout
    } catch (Exception e) {
      java.util.logging.Logger.getLogger(LatheServer.class.getName()).warning("stopping HTTP: " + e.getMessage());
    } finally {
      loop.close();
      model.close();
    }
  }
}
