package dev.lathe.engine.data;

import java.util.LinkedHashMap;
import java.util.Map;

/** Rows read, dropped (by reason) and truncated while preparing, for the preprocess report. */
public final class RowCounts {
  private long read;
  private long truncated;
  private final Map<String, Long> dropped = new LinkedHashMap<>();
  private final Map<String, Long> fixes = new LinkedHashMap<>();

  public synchronized void read(long n) {
    read += n;
  }

  public synchronized void drop(String reason) {
    dropped.merge(reason, 1L, Long::sum);
  }

  /** A repair made to a row's tokens (e.g. a doubled BOS removed), counted by kind. */
  public synchronized void fix(String kind) {
    fixes.merge(kind, 1L, Long::sum);
  }

  public synchronized Map<String, Long> fixes() {
    return new LinkedHashMap<>(fixes);
  }

  public synchronized void truncated() {
    truncated++;
  }

  public synchronized long read() {
    return read;
  }

  public synchronized long truncatedCount() {
    return truncated;
  }

  public synchronized Map<String, Long> dropped() {
    return new LinkedHashMap<>(dropped);
  }

  public synchronized long droppedTotal() {
    return dropped.values().stream().mapToLong(Long::longValue).sum();
  }
}
