package dev.lathe.engine.serve;

import dev.lathe.engine.generate.Completion;
import dev.lathe.engine.text.Tokenizer;
import java.util.Arrays;

/**
 * One streamed choice's text, built token by token as the decode thread samples them. Each delta is what
 * decoding the tokens so far adds, minus a hold-back: a character still being assembled from bytes
 * (U+FFFD at the end) and, when the request has stop strings, the last (longest stop - 1) characters,
 * which a stop string completed by a later token would cut. At the end the final text (cut before the
 * stop string, EOS dropped) supplies the rest, so the deltas concatenate to the non-streamed text.
 */
final class StreamText {
  private final Tokenizer tok;
  private final int holdBack;
  private int[] ids = new int[16];
  private int n;
  private String emitted = "";

  StreamText(Tokenizer tok, java.util.List<String> stops) {
    this.tok = tok;
    this.holdBack = stops.stream().mapToInt(String::length).max().orElse(1) - 1;
  }

  /** The text token adds (possibly ""). */
  String next(int token) {
    if (n == ids.length) ids = Arrays.copyOf(ids, n * 2);
    ids[n++] = token;
    String full = tok.decode(Arrays.copyOf(ids, n), true);
    int upTo = full.length() - holdBack;
    while (upTo > 0 && full.charAt(upTo - 1) == '\uFFFD') upTo--;
    if (upTo <= emitted.length() || !full.startsWith(emitted)) return "";
    String d = full.substring(emitted.length(), upTo);
    emitted = full.substring(0, upTo);
    return d;
  }

  /** The rest of the final text once the row finished. */
  String finish(Completion c) {
    String target = c.text() == null ? "" : c.text();
    if (!target.startsWith(emitted)) return ""; // cannot happen with the hold-back; never repeat text already sent
    String d = target.substring(emitted.length());
    emitted = target;
    return d;
  }
}
