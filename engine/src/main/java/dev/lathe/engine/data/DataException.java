package dev.lathe.engine.data;

/** A dataset, config entry or row that Lathe refuses, with a message naming where and why. */
public final class DataException extends RuntimeException {
  public DataException(String message) {
    super(message);
  }

  public DataException(String message, Throwable cause) {
    super(message, cause);
  }
}
