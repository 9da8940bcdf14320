package dev.lathe.engine.reward;

/**
 * A reward call that failed in a worker process: the function threw there ({@code kind} is its exception's
 * class name, so the runner reports the user's exception), or the worker process died under it (kind
 * {@code "worker exit"}: System.exit, a crash, or a kill).
 */
public final class RewardWorkerException extends RuntimeException {
  private final String kind;

  public RewardWorkerException(String kind, String message) {
    super(message);
    this.kind = kind;
  }

  public String kind() { return kind; }
}
