package dev.lathe.engine.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Wall time per phase of a run (data, policy, reference, optimizer, eval, checkpoint, ...), so the
 * log can say where a step goes. Phases do not nest: starting one while another runs pauses it.
 */
public final class PhaseTimer {
  private final Map<String, Long> nanos = new LinkedHashMap<>();
  private String running;
  private long since;

  /** try (var p = timer.phase("reference")) { ... } */
  public Phase phase(String name) {
    String previous = running;
    switchTo(name);
    return () -> switchTo(previous);
  }

  private void switchTo(String name) {
    long now = System.nanoTime();
    if (running != null) nanos.merge(running, now - since, Long::sum);
    running = name;
    since = now;
  }

  public interface Phase extends AutoCloseable {
    @Override
    void close();
  }

  /** Ends whatever phase is running. */
  public void stop() { switchTo(null); }

  public double seconds(String name) { return nanos.getOrDefault(name, 0L) / 1e9; }

  public Map<String, Double> secondsByPhase() {
    Map<String, Double> out = new LinkedHashMap<>();
    nanos.forEach((k, v) -> out.put(k, v / 1e9));
    return out;
  }

  /** "data 0.4s (3%) | policy 9.1s (70%) | ..." */
  public String summary() {
    double total = nanos.values().stream().mapToLong(Long::longValue).sum() / 1e9;
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, Long> e : nanos.entrySet()) {
      if (b.length() > 0) b.append(" | ");
      double s = e.getValue() / 1e9;
      b.append(String.format("%s %.2fs (%.0f%%)", e.getKey(), s, total > 0 ? 100 * s / total : 0));
    }
    return b.toString();
  }
}
