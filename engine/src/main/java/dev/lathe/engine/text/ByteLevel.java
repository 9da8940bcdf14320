package dev.lathe.engine.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level alphabet and pre-tokenization, as HF's ByteLevel pre-tokenizer does them:
 * text is split by the GPT-2 regex, each piece's UTF-8 bytes become printable characters
 * (bytes that are printable map to themselves; the rest to U+0100 onwards), so every
 * string is representable with 256 base symbols and no unknown token.
 */
final class ByteLevel {
  private ByteLevel() {}

  static final Pattern GPT2_SPLIT = Pattern.compile(
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

  /** BYTE_CHAR[b] is the character that stands for byte b. */
  static final char[] BYTE_CHAR = alphabet();

  private static char[] alphabet() {
    char[] map = new char[256];
    int next = 256;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      map[b] = printable ? (char) b : (char) next++;
    }
    return map;
  }

  /** The pre-tokenized pieces of text, each in byte-level characters. */
  static List<String> pieces(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = GPT2_SPLIT.matcher(text);
    while (m.find()) out.add(encode(m.group()));
    return out;
  }

  static String encode(String piece) {
    byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
    StringBuilder sb = new StringBuilder(bytes.length);
    for (byte b : bytes) sb.append(BYTE_CHAR[b & 0xff]);
    return sb.toString();
  }
}
