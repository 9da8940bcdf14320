package dev.lathe.engine.reward;

/**
 * A reward function broke the calling contract (wrong count, NaN/±inf, a missing list) or, with
 * {@code strict}, threw or timed out. The message names the function and the sample or group.
 */
public final class RewardException extends RuntimeException {
  public RewardException(String message) { super(message); }

  public RewardException(String message, Throwable cause) { super(message, cause); }
}
