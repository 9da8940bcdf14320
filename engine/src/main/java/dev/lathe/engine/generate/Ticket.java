package dev.lathe.engine.generate;

/** A submitted request's handle: cancel it (e.g. a client disconnected) from any thread. */
public final class Ticket {
  private volatile boolean cancelled;

  /** The decode thread frees the request's rows at its next step; its rows finish as "cancelled". */
  public void cancel() { cancelled = true; }

  public boolean cancelled() { return cancelled; }
}
