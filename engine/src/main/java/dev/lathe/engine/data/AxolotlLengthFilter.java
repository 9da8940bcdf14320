package dev.lathe.engine.data;

import dev.lathe.engine.text.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Axolotl's per-dataset length step (§1.2), run before merging so the surviving rows — and hence the
 * shuffled order — match Axolotl. Counts are tokenizer(text, add_special_tokens=False) per field;
 * a pair is kept iff prompt+chosen <= sequence_len and prompt+rejected <= sequence_len (KTO: prompt+completion).
 * truncate cuts each long completion to m = sequence_len - len(prompt) tokens and decodes it back.
 */
final class AxolotlLengthFilter {
  static final String DROP_LONG = "longer than sequence_len (excess_length_strategy: drop)";
  static final String DROP_PROMPT = "prompt alone fills sequence_len (excess_length_strategy: truncate)";

  private AxolotlLengthFilter() {}

  static List<PreparedRow> apply(List<PreparedRow> rows, Tokenizer tok, int seqLen, ExcessLengthStrategy strategy,
      RowCounts counts) {
    List<PreparedRow> out = new ArrayList<>(rows.size());
    for (PreparedRow r : ParallelMap.map(rows, r -> one(r, tok, seqLen, strategy, counts))) {
      if (r != null) {
        out.add(r);
      }
    }
    return out;
  }

  /** The row as kept (possibly truncated), or null when dropped (counted). */
  private static PreparedRow one(PreparedRow r, Tokenizer tok, int seqLen, ExcessLengthStrategy strategy, RowCounts counts) {
    TextExample t = r.text();
    if (t.method().isGrpo() || t.method() == Method.REWARD_MODEL) {
      return r;
    }
    if (strategy == ExcessLengthStrategy.DROP && surelyTooLong(t, tok, seqLen)) {
      counts.drop(DROP_LONG);
      return null;
    }
    int p = tok.encode(t.prompt(), false).length;
    List<String> comps = t.completions();
    int[][] ids = new int[comps.size()][];
    boolean over = false;
    for (int i = 0; i < comps.size(); i++) {
      ids[i] = tok.encode(comps.get(i), false);
      over |= p + ids[i].length > seqLen;
    }
    if (!over) {
      return r;
    }
    switch (strategy) {
      case RAISE -> throw new DataException("row " + r.origin() + ": " + (p + maxLen(ids)) + " tokens (prompt " + p
          + " + completion " + maxLen(ids) + ") exceed sequence_len " + seqLen + " and excess_length_strategy is raise");
      case TRUNCATE -> {
        int m = seqLen - p;
        if (m > 0) {
          counts.truncated();
          return truncate(r, tok, ids, m);
        }
        counts.drop(DROP_PROMPT);
        return null;
      }
      default -> {
        counts.drop(DROP_LONG);
        return null;
      }
    }
  }

  /**
   * Without tokenizing: true when the prompt and some completion hold more bytes than sequence_len tokens
   * can stand for, so the exact count would exceed sequence_len too. A 10 MB row is then dropped at once
   * instead of after seconds of tokenizing; rows near the limit always take the exact path.
   */
  static boolean surelyTooLong(TextExample t, Tokenizer tok, int seqLen) {
    int perToken = tok.maxBytesPerToken();
    if (perToken <= 0) {
      return false;
    }
    long prompt = minTokens(utf8Length(t.prompt()), perToken);
    for (String c : t.completions()) {
      if (prompt + minTokens(utf8Length(c), perToken) > seqLen) {
        return true;
      }
    }
    return false;
  }

  private static long minTokens(long bytes, int perToken) {
    return (bytes + perToken - 1) / perToken;
  }

  private static long utf8Length(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
  }

  private static int maxLen(int[][] ids) {
    return Arrays.stream(ids).mapToInt(a -> a.length).max().orElse(0);
  }

  private static PreparedRow truncate(PreparedRow r, Tokenizer tok, int[][] ids, int m) {
    TextExample t = r.text();
    String[] cut = new String[ids.length];
    List<String> comps = t.completions();
    for (int i = 0; i < ids.length; i++) {
      cut[i] = ids[i].length > m ? tok.decode(Arrays.copyOf(ids[i], m), false) : comps.get(i);
    }
    Map<String, Object> cols = new LinkedHashMap<>(r.columns());
    TextExample nt;
    if (t.method().isKto()) {
      cols.put("completion", cut[0]);
      nt = TextExample.kto(t.prompt(), cut[0], t.label());
    } else {
      cols.put("chosen", cut[0]);
      cols.put("rejected", cut[1]);
      nt = TextExample.pair(t.method(), t.prompt(), cut[0], cut[1]);
    }
    return new PreparedRow(cols, r.origin(), nt);
  }
}
