package dev.lathe.engine.io;

import java.nio.file.Path;

/**
 * A model file (safetensors, config.json, tokenizer files, ...) that does not say what it must.
 * The message always starts with the file, then names the key or tensor and what was expected.
 */
public class FormatException extends RuntimeException {
  private final Path file;

  public FormatException(Path file, String message) {
    super(file + ": " + message);
    this.file = file;
  }

  public FormatException(Path file, String message, Throwable cause) {
    super(file + ": " + message, cause);
    this.file = file;
  }

  /** The offending file. */
  public Path file() {
    return file;
  }
}
