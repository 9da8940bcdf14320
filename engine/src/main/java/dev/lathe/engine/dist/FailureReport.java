package dev.lathe.engine.dist;

import dev.lathe.ffi.TorchException;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a failed collective into a message naming the rank that is missing. Gloo only says "peer
 * closed the connection" or "timed out" with a socket address; so a rank that sees a collective fail
 * writes lathe/failed/RANK into the rendezvous store, waits briefly for the others to do the same, and
 * names the ranks that never reported (dead or hung). A store that does not answer means rank 0,
 * which hosts it, is gone. Costs nothing while collectives succeed.
 */
final class FailureReport {
  private static final long GRACE_MS = 5000;

  private FailureReport() {}

  static DistException of(ProcessGroup g, String collective, TorchException e) {
    String head = "rank " + g.rank() + " of " + g.world() + ": " + collective + " failed";
    String cause = " [" + g.rendezvous().backend() + ": " + firstLine(e.getMessage()) + "]";
    String timeout = e.getMessage() != null && e.getMessage().toLowerCase().contains("timed out")
        ? " within the " + g.rendezvous().timeout().toSeconds() + " s timeout" : "";
    List<Integer> silent;
    try {
      silent = silentRanks(g, collective);
    } catch (RuntimeException storeDown) {
      Rendezvous r = g.rendezvous();
      return new DistException(head + timeout + ": rank 0 is gone (the rendezvous store it hosts at " + r.masterAddr() + ":"
          + r.masterPort() + " does not answer)" + cause, e);
    }
    if (silent.isEmpty()) return new DistException(head + timeout + " on every rank" + cause, e);
    String who = silent.size() == 1 ? "rank " + silent.get(0) : "ranks " + silent;
    return new DistException(head + timeout + ": " + who + " did not take part (the process died or hung)" + cause, e);
  }

  private static List<Integer> silentRanks(ProcessGroup g, String collective) {
    g.storeSet("lathe/failed/" + g.rank(), collective);
    long deadline = System.currentTimeMillis() + Math.min(GRACE_MS, g.rendezvous().timeout().toMillis());
    List<Integer> silent;
    do {
      silent = new ArrayList<>();
      for (int r = 0; r < g.world(); r++) if (r != g.rank() && g.storeGet("lathe/failed/" + r) == null) silent.add(r);
      if (silent.isEmpty()) break;
      sleep(100);
    } while (System.currentTimeMillis() < deadline);
    return silent;
  }

  private static String firstLine(String s) {
    if (s == null) return "(no message)";
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).strip();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
    }
  }
}
