package dev.lathe.engine.tensor;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Where the tensors that are still alive were created: with {@code -Dlathe.leaks=trace} every Tensor records
 * the stack that made it until it is freed, so a leak found by {@link Tensors#liveCount()} can be traced to
 * its call site. Off by default (a stack per tensor costs far more than the native call).
 */
final class LeakTrace {
  static final boolean ON = "trace".equals(System.getProperty("lathe.leaks"));
  private static final Map<Tensor, StackTraceElement[]> SITES = new ConcurrentHashMap<>();

  private LeakTrace() {}

  static void created(Tensor t) { SITES.put(t, new Throwable().getStackTrace()); }

  static void freed(Tensor t) { SITES.remove(t); }

  /** The open tensors grouped by the first frames outside the tensor package, most frequent first. */
  static String report(int frames) {
    Map<String, Integer> bySite = new TreeMap<>();
    for (StackTraceElement[] st : SITES.values()) {
      String site = Arrays.stream(st).filter(f -> !f.getClassName().startsWith(LeakTrace.class.getPackageName() + "."))
          .limit(frames).map(StackTraceElement::toString).collect(Collectors.joining("\n    <- "));
      bySite.merge(site, 1, Integer::sum);
    }
    return bySite.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue())
        .map(e -> e.getValue() + " x " + e.getKey()).collect(Collectors.joining("\n"));
  }
}
