package dev.lathe.engine.serve;

/** The bounded queue is full or the server is draining: 503 with Retry-After, never unbounded buffering. */
public final class Overloaded extends RuntimeException {
  private final int retryAfterSeconds;

  public Overloaded(String message, int retryAfterSeconds) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public int retryAfterSeconds() { return retryAfterSeconds; }
}
