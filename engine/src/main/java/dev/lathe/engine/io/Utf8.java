package dev.lathe.engine.io;

/** Where UTF-8 text goes wrong, for messages that point at the byte (the JDK says "Input length = 1"). */
public final class Utf8 {
  private Utf8() {}

  /** Offset of the first byte that starts a malformed sequence, or -1 when the bytes are well-formed UTF-8. */
  public static int firstInvalid(byte[] b, int from, int to) {
    int i = from;
    while (i < to) {
      int c = b[i] & 0xff;
      int n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
      if (n == 0 || i + n > to) return i;
      for (int k = 1; k < n; k++) if ((b[i + k] & 0xc0) != 0x80) return i;
      i += n;
    }
    return -1;
  }
}
