package dev.lathe.engine.data;

import java.util.ArrayList;
import java.util.List;

/**
 * A pair batch for one forward of [1, T] tokens with no padding position at all (so none is computed),
 * in one of two shapes:
 * <ul>
 *   <li>{@link #separate} (dpo_padding_free): the 2b sequences back to back, [prompt_i chosen_i] for every
 *       pair, then [prompt_i rejected_i]; position ids restart at 0 in each; each sequence attends to itself.</li>
 *   <li>{@link #sharedPrompt} (prefix sharing): per pair [prompt | chosen | rejected]; chosen and rejected
 *       both continue the prompt's position ids, so the prompt is computed once for both. Rejected tokens
 *       attend to the prompt and to themselves, never to chosen.</li>
 * </ul>
 * Attention is described by {@code spans}: each is {from, to, k0, k1, k2, k3, ...}: queries [from, to) see
 * the keys in [k0, k1) ∪ [k2, k3) ∪ ... whose position id is at most their own. The query ranges of the
 * spans partition [0, T) in order.
 *
 * <p>The scored tokens are every token of a sequence after its first, in {@link PairBatch}'s row order
 * (sequence 0..b-1 chosen, b..2b-1 rejected) and position order: {@code predictor} is the index in [0, T)
 * whose output predicts it, {@code labels} its id, {@code sequence} its PairBatch row, {@code column} its
 * column in PairBatch's shifted [2b, s-1] grid (position - 1), {@code completion} whether it is a
 * completion token (the prompt's own tokens are listed for ORPO's NLL, which counts them). So every
 * completion token is predicted from exactly the context it has in its PairBatch row.
 */
public record PackedBatch(int pairs, long[] inputIds, long[] positionIds, int[][] spans, int[] predictor, long[] labels,
    int[] sequence, int[] column, boolean[] completion) {

  public int totalTokens() { return inputIds.length; }

  /** dpo_padding_free: every sequence on its own, back to back. */
  public static PackedBatch separate(List<EncodedExample> examples) {
    int b = examples.size();
    Builder out = new Builder(b);
    for (int side = 0; side < 2; side++) {
      for (int i = 0; i < b; i++) {
        EncodedExample e = examples.get(i);
        int at = out.ids.size();
        out.append(e.prompt(), 0);
        out.append(side == 0 ? e.chosen() : e.rejected(), e.prompt().length);
        int end = out.ids.size();
        out.span(at, end, at, end);
        out.sequence(side * b + i, e.prompt(), side == 0 ? e.chosen() : e.rejected(), identity(at, end - at));
      }
    }
    return out.build();
  }

  /** Prefix sharing: [prompt | chosen | rejected] per pair, the prompt's forward shared by both completions. */
  public static PackedBatch sharedPrompt(List<EncodedExample> examples) {
    int b = examples.size();
    Builder out = new Builder(b);
    int[][] chosenMaps = new int[b][];
    int[][] rejectedMaps = new int[b][];
    for (int i = 0; i < b; i++) {
      EncodedExample e = examples.get(i);
      int p = e.prompt().length;
      int c = e.chosen().length;
      int r = e.rejected().length;
      int at = out.ids.size();
      out.append(e.prompt(), 0);
      out.append(e.chosen(), p);
      out.append(e.rejected(), p);
      out.span(at, at + p + c, at, at + p + c);
      if (r > 0) out.span(at + p + c, at + p + c + r, at, at + p, at + p + c, at + p + c + r);
      chosenMaps[i] = identity(at, p + c);
      int[] rm = new int[p + r]; // rejected row position -> packed index: the prompt, then the rejected block
      for (int t = 0; t < p + r; t++) rm[t] = t < p ? at + t : at + c + t;
      rejectedMaps[i] = rm;
    }
    for (int i = 0; i < b; i++) out.sequence(i, examples.get(i).prompt(), examples.get(i).chosen(), chosenMaps[i]);
    for (int i = 0; i < b; i++) out.sequence(b + i, examples.get(i).prompt(), examples.get(i).rejected(), rejectedMaps[i]);
    return out.build();
  }

  private static int[] identity(int from, int n) {
    int[] m = new int[n];
    for (int t = 0; t < n; t++) m[t] = from + t;
    return m;
  }

  private static final class Builder {
    final int pairs;
    final List<Long> ids = new ArrayList<>();
    final List<Long> pos = new ArrayList<>();
    final List<int[]> spans = new ArrayList<>();
    final List<int[]> scored = new ArrayList<>(); // {predictor, label, sequence, column, completion}

    Builder(int pairs) { this.pairs = pairs; }

    void append(int[] toks, int pos0) {
      for (int k = 0; k < toks.length; k++) {
        ids.add((long) toks[k]);
        pos.add((long) pos0 + k);
      }
    }

    void span(int... s) {
      if (s[1] > s[0]) spans.add(s);
    }

    /** Lists the scored tokens of one PairBatch row; map[t] = packed index of row position t. */
    void sequence(int seq, int[] prompt, int[] completion, int[] map) {
      for (int t = 1; t < map.length; t++) {
        int label = t < prompt.length ? prompt[t] : completion[t - prompt.length];
        scored.add(new int[] {map[t - 1], label, seq, t - 1, t >= prompt.length ? 1 : 0});
      }
    }

    PackedBatch build() {
      int n = scored.size();
      int[] pred = new int[n];
      long[] lab = new long[n];
      int[] seq = new int[n];
      int[] col = new int[n];
      boolean[] comp = new boolean[n];
      for (int k = 0; k < n; k++) {
        int[] s = scored.get(k);
        pred[k] = s[0];
        lab[k] = s[1];
        seq[k] = s[2];
        col[k] = s[3];
        comp[k] = s[4] == 1;
      }
      return new PackedBatch(pairs, ids.stream().mapToLong(Long::longValue).toArray(), pos.stream().mapToLong(Long::longValue).toArray(),
          spans.toArray(new int[0][]), pred, lab, seq, col, comp);
    }
  }
}
