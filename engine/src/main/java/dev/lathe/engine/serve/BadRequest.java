package dev.lathe.engine.serve;

/**
 * A request the server refuses: 400 with a message naming the offending field (OpenAI's error
 * object carries it as {@code param}), or another 4xx status (404 unknown route, 405 wrong method,
 * 413 body too large).
 */
public final class BadRequest extends RuntimeException {
  private final String field;
  private final int status;

  public BadRequest(String field, String message) { this(400, field, message); }

  public BadRequest(int status, String field, String message) {
    super(field == null ? message : "'" + field + "': " + message);
    this.field = field;
    this.status = status;
  }

  public String field() { return field; }

  public int status() { return status; }
}
