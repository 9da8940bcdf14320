package dev.lathe.engine.dist;

/**
 * A collective or the rendezvous failed: a peer died, hung past the timeout, or never arrived. The
 * message names this rank, the collective (and its sequence number) and, when it can be found out,
 * the rank that did not take part. The process group is unusable afterwards: the job must end.
 */
public final class DistException extends RuntimeException {
  public DistException(String message, Throwable cause) {
    super(message, cause);
  }
}
