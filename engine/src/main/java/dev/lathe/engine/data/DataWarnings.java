package dev.lathe.engine.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Lossy-but-valid cases Axolotl passes in silence (a conversation cut to one turn, an inverted
 * ranking). Each distinct message is kept once with a count and the first row it was seen on.
 */
public final class DataWarnings {
  private final Map<String, int[]> counts = new LinkedHashMap<>();
  private final Map<String, String> firstSeen = new LinkedHashMap<>();
  private final Consumer<String> sink;

  public DataWarnings() {
    this(m -> {});
  }

  /** sink receives each distinct message the first time it occurs (e.g. to log it). */
  public DataWarnings(Consumer<String> sink) {
    this.sink = sink;
  }

  public synchronized void warn(String message, String where) {
    int[] c = counts.get(message);
    if (c == null) {
      counts.put(message, new int[] {1});
      firstSeen.put(message, where);
      sink.accept(where == null ? message : message + " (first at " + where + ")");
    } else {
      c[0]++;
    }
  }

  public synchronized int count(String messagePrefix) {
    int n = 0;
    for (Map.Entry<String, int[]> e : counts.entrySet()) {
      if (e.getKey().startsWith(messagePrefix)) {
        n += e.getValue()[0];
      }
    }
    return n;
  }

  /** "message (N rows, first at file:line)" lines. */
  public synchronized List<String> summary() {
    List<String> out = new ArrayList<>();
    counts.forEach((m, c) -> {
      String where = firstSeen.get(m);
      out.add(m + " (" + c[0] + (c[0] == 1 ? " time" : " times") + (where == null ? "" : ", first at " + where) + ")");
    });
    return out;
  }

  public synchronized boolean isEmpty() {
    return counts.isEmpty();
  }
}
