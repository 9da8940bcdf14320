package dev.lathe.engine.train.grpo;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The replay buffer (grpo-spec §14.8): at most {@code capacity} groups with signal, each with its
 * priority; when full a new group replaces the lowest-priority one only if it scores higher. Groups are
 * drawn with probability proportional to max(priority, 1e-8), without replacement while entries last.
 */
final class ReplayBuffer {
  record Entry(ScoredGroup group, double score) {}

  private final int capacity;
  private final List<Entry> entries = new ArrayList<>();

  ReplayBuffer(int capacity) { this.capacity = capacity; }

  void add(ScoredGroup g, double score) {
    if (capacity <= 0) return;
    if (entries.size() < capacity) { entries.add(new Entry(g, score)); return; }
    int min = 0;
    for (int i = 1; i < entries.size(); i++) if (entries.get(i).score() < entries.get(min).score()) min = i;
    if (score > entries.get(min).score()) entries.set(min, new Entry(g, score));
  }

  /** n groups (fewer only when empty), seeded. */
  List<ScoredGroup> sample(int n, SplittableRandom r) {
    List<ScoredGroup> out = new ArrayList<>();
    if (entries.isEmpty()) return out;
    List<Entry> pool = new ArrayList<>(entries);
    for (int i = 0; i < n; i++) {
      if (pool.isEmpty()) pool = new ArrayList<>(entries); // more draws than entries: with replacement from here on
      double total = 0;
      for (Entry e : pool) total += Math.max(e.score(), 1e-8);
      double u = r.nextDouble() * total;
      int pick = pool.size() - 1;
      for (int j = 0; j < pool.size(); j++) {
        u -= Math.max(pool.get(j).score(), 1e-8);
        if (u < 0) { pick = j; break; }
      }
      out.add(pool.remove(pick).group());
    }
    return out;
  }

  int size() { return entries.size(); }

  List<Entry> entries() { return List.copyOf(entries); }

  void restore(List<Entry> es) {
    entries.clear();
    entries.addAll(es);
  }
}
