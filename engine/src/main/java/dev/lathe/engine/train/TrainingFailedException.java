package dev.lathe.engine.train;

/**
 * A run that cannot produce a sound model: every update was skipped by the NaN/inf guard, or the
 * weights became non-finite. Thrown instead of saving, so a caller (and `lathe train`'s exit code)
 * sees a failure rather than a folder of NaN weights.
 */
public final class TrainingFailedException extends IllegalStateException {
  public TrainingFailedException(String message) { super(message); }
}
