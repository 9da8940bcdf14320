package dev.lathe.engine.data;

import dev.lathe.engine.text.Tokenizer;
import java.util.Arrays;
import java.util.List;

/**
 * Strings -> token ids with exactly one BOS and one EOS, the way TRL builds them (§9), made exact:
 * the prompt is tokenized once and shared by chosen and rejected; each completion is the tail of
 * tokenize(prompt + completion) when that starts with the prompt's tokens, else the completion is
 * tokenized alone (a merge across the boundary; counted). A doubled BOS (template BOS + tokenizer
 * BOS) or a doubled final EOS is repaired and counted. Rows over sequence_len are cut keeping the
 * start (TRL's keep_start); a row whose completion would become empty is dropped and counted.
 */
public final class ExampleEncoder {
  static final String FIX_BOS = "doubled BOS at the prompt start: one removed";
  static final String FIX_EOS = "doubled EOS at a completion end: one removed";
  static final String FIX_BOUNDARY = "prompt+completion tokens merged across the boundary: completion tokenized alone";
  static final String DROP_EMPTY = "completion empty after truncation to sequence_len";

  private final Tokenizer tok;
  private final Method method;
  private final int seqLen;
  private final RowCounts counts;
  private final int bos;
  private final int eos;
  private final String eosText;

  public ExampleEncoder(Tokenizer tok, Method method, int seqLen, RowCounts counts) {
    this.tok = tok;
    this.method = method;
    this.seqLen = seqLen;
    this.counts = counts;
    this.bos = tok.bosToken() == null ? -1 : tok.tokenToId(tok.bosToken());
    this.eosText = tok.eosToken();
    this.eos = eosText == null ? -1 : tok.tokenToId(eosText);
  }

  /** TRL's DPO/KTO trainers tokenize with the tokenizer's special tokens; ORPO/CPO add BOS/EOS ids themselves. */
  private boolean trlAddsSpecial() {
    return method == Method.DPO || method == Method.IPO || method == Method.KTO;
  }

  /** The encoded row, or null when it is dropped (counted in RowCounts). */
  public EncodedExample encode(PreparedRow row) {
    TextExample t = row.text();
    if (method == Method.REWARD_MODEL) {
      return reward(row);
    }
    if (method.isGrpo()) {
      throw new DataException("GRPO rows are generated from their prompt at training time; they are not encoded here");
    }
    boolean special = trlAddsSpecial();
    int[] p = tok.encode(t.prompt(), special);
    List<String> comps = t.completions();
    int[][] c = new int[comps.size()][];
    for (int i = 0; i < c.length; i++) {
      c[i] = completion(t.prompt(), p, comps.get(i), special);
    }
    p = fixPrompt(p, special);
    return limit(row, p, c);
  }

  private int[] completion(String prompt, int[] p, String text, boolean special) {
    // DPO/KTO: TRL appends the EOS string unless the completion already ends with it
    String c = special && eosText != null && !text.endsWith(eosText) ? text + eosText : text;
    int[] full = tok.encode(prompt + c, special);
    int[] ids;
    if (startsWith(full, p)) {
      ids = Arrays.copyOfRange(full, p.length, full.length);
    } else {
      counts.fix(FIX_BOUNDARY);
      ids = tok.encode(c, false);
    }
    if (!special && eos >= 0 && (ids.length == 0 || ids[ids.length - 1] != eos)) {
      ids = Arrays.copyOf(ids, ids.length + 1);
      ids[ids.length - 1] = eos;
    }
    if (eos >= 0 && ids.length >= 2 && ids[ids.length - 1] == eos && ids[ids.length - 2] == eos) {
      counts.fix(FIX_EOS);
      ids = Arrays.copyOf(ids, ids.length - 1);
    }
    return ids;
  }

  private int[] fixPrompt(int[] p, boolean special) {
    if (!special && bos >= 0 && (p.length == 0 || p[0] != bos)) {
      int[] q = new int[p.length + 1];
      q[0] = bos;
      System.arraycopy(p, 0, q, 1, p.length);
      p = q;
    }
    if (bos >= 0 && p.length >= 2 && p[0] == bos && p[1] == bos) {
      counts.fix(FIX_BOS);
      p = Arrays.copyOfRange(p, 1, p.length);
    }
    return p;
  }

  private EncodedExample limit(PreparedRow row, int[] p, int[][] c) {
    int longest = 0;
    for (int[] x : c) {
      longest = Math.max(longest, x.length);
    }
    if (p.length + longest <= seqLen) {
      return new EncodedExample(row, p, c);
    }
    int room = seqLen - p.length;
    if (room <= 0) {
      counts.drop(DROP_EMPTY);
      return null;
    }
    counts.truncated();
    for (int i = 0; i < c.length; i++) {
      c[i] = c[i].length > room ? Arrays.copyOf(c[i], room) : c[i];
    }
    return new EncodedExample(row, p, c);
  }

  /** Bradley-Terry: the rendered conversations tokenized without special tokens, cut to sequence_len. */
  private EncodedExample reward(PreparedRow row) {
    int[][] c = {tok.encode(row.text().chosen(), false), tok.encode(row.text().rejected(), false)};
    boolean cut = false;
    for (int i = 0; i < 2; i++) {
      if (c[i].length > seqLen) {
        c[i] = Arrays.copyOf(c[i], seqLen);
        cut = true;
      }
    }
    if (cut) {
      counts.truncated();
    }
    return new EncodedExample(row, new int[0], c);
  }

  static boolean startsWith(int[] a, int[] prefix) {
    return a.length >= prefix.length && Arrays.equals(a, 0, prefix.length, prefix, 0, prefix.length);
  }
}
