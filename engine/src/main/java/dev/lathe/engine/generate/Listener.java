package dev.lathe.engine.generate;

/**
 * Receives a request's results. Called on the decode thread: keep it quick (hand off to a queue);
 * an exception thrown here fails the request, never the engine.
 */
public interface Listener {
  /** Row {@code sample} of the request generated a token (streaming). */
  default void token(int sample, int token, float logprob) {}

  /** Row {@code sample} finished; finishReason eos | stop | length | cancelled. */
  void finished(Completion c);

  /** The engine failed while the request was queued or running (its other rows get this too). */
  default void failed(Throwable error) {}
}
