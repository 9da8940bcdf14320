package dev.lathe.engine.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Writes that never leave a half-written file under the final name: temp file, fsync, rename. */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Body that fills the temp file's channel. */
  @FunctionalInterface
  public interface Body {
    void write(FileChannel channel) throws IOException;
  }

  /** A sibling temp name, so the final rename stays on one file system. */
  public static Path tempFor(Path target) {
    return target.resolveSibling("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid()
        + "-" + Long.toHexString(System.nanoTime()));
  }

  public static void write(Path target, Body body) {
    Path tmp = tempFor(target);
    try {
      Path parent = target.toAbsolutePath().getParent();
      if (parent != null) Files.createDirectories(parent);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        body.write(ch);
        ch.force(true);
      }
      move(tmp, target);
    } catch (IOException e) {
      deleteQuietly(tmp);
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      deleteQuietly(tmp);
      throw e;
    }
  }

  public static void writeString(Path target, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    write(target, ch -> writeFully(ch, ByteBuffer.wrap(bytes)));
  }

  /** Renames tmp over target atomically where the file system can. */
  public static void move(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  public static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) ch.write(buf);
  }

  static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // best effort: the temp name never shadows a real file
    }
  }
}
