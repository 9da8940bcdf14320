package dev.lathe.engine.text;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Byte-level BPE training: start from the 256 byte symbols, repeatedly merge the most frequent
 * adjacent pair (counted over pre-tokenized words, weighted by word frequency) until the
 * vocabulary reaches its target size or no pair occurs minFrequency times. Ties go to the
 * lexicographically smaller pair, so training is deterministic.
 */
final class BpeTrainer {
  /** Trained vocabulary (token -> id, specials first) and merges in order ("a b"). */
  record Result(Map<String, Integer> vocab, List<String> merges) {}

  private final List<String> symbols = new ArrayList<>(); // id -> token text
  private final Map<String, Integer> ids = new LinkedHashMap<>();
  private final List<int[]> words = new ArrayList<>();
  private final List<Long> counts = new ArrayList<>();
  private final Map<Long, Long> pairCount = new HashMap<>();
  private final Map<Long, Set<Integer>> pairWords = new HashMap<>();

  static Result train(List<String> corpus, List<String> specials, int vocabSize, int minFrequency) {
    BpeTrainer t = new BpeTrainer();
    for (String s : specials) t.symbol(s);
    for (char c : ByteLevel.BYTE_CHAR) t.symbol(String.valueOf(c));
    if (vocabSize < t.symbols.size()) {
      throw new IllegalArgumentException("vocab size " + vocabSize + " is below the " + t.symbols.size()
          + " byte symbols and special tokens it must hold");
    }
    t.countWords(corpus, specials);
    List<String> merges = new ArrayList<>();
    PriorityQueue<long[]> heap = t.heap();
    while (t.symbols.size() < vocabSize) {
      long pair = t.best(heap, minFrequency);
      if (pair < 0) break;
      merges.add(t.symbols.get(left(pair)) + " " + t.symbols.get(right(pair)));
      int merged = t.symbol(t.symbols.get(left(pair)) + t.symbols.get(right(pair)));
      t.merge(pair, merged, heap);
    }
    return new Result(t.ids, merges);
  }

  private int symbol(String s) {
    return ids.computeIfAbsent(s, k -> {
      symbols.add(k);
      return symbols.size() - 1;
    });
  }

  /** Splits out special tokens, pre-tokenizes the rest and counts distinct words. */
  private void countWords(List<String> corpus, List<String> specials) {
    Map<String, Long> freq = new HashMap<>();
    for (String text : corpus) {
      for (String part : splitSpecials(text, specials)) {
        for (String w : ByteLevel.pieces(part)) freq.merge(w, 1L, Long::sum);
      }
    }
    freq.keySet().stream().sorted().forEach(w -> {
      int[] syms = w.chars().map(c -> ids.get(String.valueOf((char) c))).toArray();
      words.add(syms);
      counts.add(freq.get(w));
      addPairs(words.size() - 1, +1);
    });
  }

  private static List<String> splitSpecials(String text, List<String> specials) {
    List<String> parts = new ArrayList<>(List.of(text));
    for (String s : specials) {
      List<String> next = new ArrayList<>();
      for (String p : parts) next.addAll(List.of(p.split(java.util.regex.Pattern.quote(s), -1)));
      parts = next;
    }
    return parts;
  }

  private void addPairs(int w, int sign) {
    int[] s = words.get(w);
    for (int i = 0; i + 1 < s.length; i++) {
      long p = pair(s[i], s[i + 1]);
      pairCount.merge(p, sign * counts.get(w), Long::sum);
      if (sign > 0) pairWords.computeIfAbsent(p, k -> new HashSet<>()).add(w);
    }
  }

  /** Max-heap of (count, pair) with lazy deletion: stale entries are skipped when popped. */
  private PriorityQueue<long[]> heap() {
    PriorityQueue<long[]> h = new PriorityQueue<>((a, b) -> a[0] != b[0] ? Long.compare(b[0], a[0]) : comparePairs(a[1], b[1]));
    pairCount.forEach((p, c) -> h.add(new long[] {c, p}));
    return h;
  }

  private int comparePairs(long a, long b) {
    int c = symbols.get(left(a)).compareTo(symbols.get(left(b)));
    return c != 0 ? c : symbols.get(right(a)).compareTo(symbols.get(right(b)));
  }

  private long best(PriorityQueue<long[]> heap, int minFrequency) {
    while (!heap.isEmpty()) {
      long[] top = heap.poll();
      long now = pairCount.getOrDefault(top[1], 0L);
      if (now != top[0]) continue; // stale
      return now >= Math.max(1, minFrequency) ? top[1] : -1;
    }
    return -1;
  }

  /** Replaces every occurrence of pair in the words that contain it, updating pair counts. */
  private void merge(long pair, int merged, PriorityQueue<long[]> heap) {
    Set<Long> touched = new HashSet<>();
    for (int w : new ArrayList<>(pairWords.getOrDefault(pair, Set.of()))) {
      int[] s = words.get(w);
      for (int i = 0; i + 1 < s.length; i++) touched.add(pair(s[i], s[i + 1]));
      addPairs(w, -1);
      words.set(w, replace(s, left(pair), right(pair), merged));
      addPairs(w, +1);
      int[] n = words.get(w);
      for (int i = 0; i + 1 < n.length; i++) touched.add(pair(n[i], n[i + 1]));
    }
    pairCount.remove(pair);
    pairWords.remove(pair);
    for (long p : touched) {
      Long c = pairCount.get(p);
      if (c != null && c > 0) heap.add(new long[] {c, p});
    }
  }

  private static int[] replace(int[] s, int a, int b, int merged) {
    int[] out = new int[s.length];
    int n = 0;
    for (int i = 0; i < s.length; i++) {
      if (i + 1 < s.length && s[i] == a && s[i + 1] == b) {
        out[n++] = merged;
        i++;
      } else {
        out[n++] = s[i];
      }
    }
    return java.util.Arrays.copyOf(out, n);
  }

  private static long pair(int a, int b) {
    return ((long) a << 32) | (b & 0xffffffffL);
  }

  private static int left(long p) {
    return (int) (p >>> 32);
  }

  private static int right(long p) {
    return (int) p;
  }
}
