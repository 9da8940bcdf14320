package dev.lathe.engine.remote;

/** A generation or environment server that is absent, too slow, or refuses: the message names the URL and what came back. */
public final class RemoteException extends RuntimeException {
  private final int status;

  public RemoteException(String message, int status, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  /** The HTTP status, or -1 when no answer came (refused connection, timeout). */
  public int status() { return status; }
}
