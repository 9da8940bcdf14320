package dev.lathe.engine.data;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiConsumer;

/**
 * A text file's lines decoded as strict UTF-8, one line at a time, so a byte that is not UTF-8 is
 * reported with its line and column (a buffered Reader reports "Input length = 1" chunks ahead of
 * the line it is on).
 */
final class Utf8Lines {
  private Utf8Lines() {}

  /** Calls sink(lineNumber, text) for every line (1-based; "\r\n" and a leading BOM handled). */
  static void forEach(Path file, BiConsumer<Integer, String> sink) throws IOException {
    CharsetDecoder d = decoder();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      int no = 0;
      for (int c; ; ) {
        c = in.read();
        if (c < 0 || c == '\n') {
          if (c < 0 && line.size() == 0) break;
          no++;
          String s = decode(d, line.toByteArray(), file + ":" + no);
          if (no == 1 && s.startsWith("\uFEFF")) s = s.substring(1);
          sink.accept(no, s.endsWith("\r") ? s.substring(0, s.length() - 1) : s);
          line.reset();
          if (c < 0) break;
        } else {
          line.write(c);
        }
      }
    }
  }

  /** The whole file as text, or an error naming the line and column of the first non-UTF-8 byte. */
  static String readAll(Path file) throws IOException {
    byte[] b = Files.readAllBytes(file);
    try {
      return decoder().decode(ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      int line = 1, start = 0;
      for (int i = 0; i < b.length; i++) {
        if (b[i] != '\n') continue;
        byte[] one = java.util.Arrays.copyOfRange(b, start, i);
        decode(decoder(), one, file + ":" + line); // throws for the bad line
        line++;
        start = i + 1;
      }
      decode(decoder(), java.util.Arrays.copyOfRange(b, start, b.length), file + ":" + line);
      throw new DataException(file + ": expected UTF-8 text");
    }
  }

  private static CharsetDecoder decoder() {
    return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
  }

  private static String decode(CharsetDecoder d, byte[] bytes, String where) {
    try {
      d.reset();
      return d.decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      int col = firstBad(bytes);
      throw new DataException(String.format("%s: expected UTF-8 text, found byte 0x%02x at byte %d of the line, which is not UTF-8 "
          + "(save the file as UTF-8)", where, bytes[col] & 0xff, col + 1));
    }
  }

  private static int firstBad(byte[] b) {
    int i = dev.lathe.engine.io.Utf8.firstInvalid(b, 0, b.length);
    return i < 0 ? Math.max(0, b.length - 1) : i; // -1: the decoder objected to something subtler (surrogates, overlongs)
  }
}
