package dev.lathe.engine.train;

import java.io.PrintStream;

/**
 * A one-line progress bar with rate and ETA. On a terminal it redraws in place (at most 10 times a
 * second); otherwise (logs, CI) it prints a plain line every 10% so files stay readable.
 */
public final class ProgressBar {
  private static final int WIDTH = 24;
  private final String label;
  private final long total;
  private final long start;
  private final PrintStream out;
  private final boolean tty;
  private final long t0 = System.nanoTime();
  private long lastDraw;
  private long lastDecile = -1;
  private String lastLine = "";

  /** start: units already done when the bar opens (e.g. resumed steps); they do not count for the rate. */
  public ProgressBar(String label, long total, long start, PrintStream out) {
    this.label = label;
    this.total = Math.max(1, total);
    this.start = start;
    this.out = out;
    this.tty = System.console() != null && System.getenv("LATHE_NO_TTY") == null;
  }

  public void update(long done, String suffix) {
    long now = System.nanoTime();
    long decile = done * 10 / total;
    boolean due = tty ? now - lastDraw > 100_000_000L || done >= total : decile != lastDecile || done >= total;
    if (!due) return;
    lastDraw = now;
    lastDecile = decile;
    lastLine = line(done, suffix, now);
    if (tty) out.print("\r" + lastLine + "\u001b[K");
    else out.println(lastLine);
    out.flush();
  }

  public void finish() {
    if (tty && !lastLine.isEmpty()) out.println();
    out.flush();
  }

  String line(long done, String suffix, long now) {
    double secs = (now - t0) / 1e9;
    long ran = done - start;
    double rate = secs > 0 ? ran / secs : 0;
    int fill = (int) Math.min(WIDTH, done * WIDTH / total);
    String bar = "#".repeat(fill) + ".".repeat(WIDTH - fill);
    String eta = rate > 0 ? clock((total - done) / rate) : "?";
    String r = rate >= 1 || rate == 0 ? String.format("%.2f it/s", rate) : String.format("%.2f s/it", 1 / rate);
    return String.format("%s [%s] %d/%d %s elapsed %s ETA %s%s", label, bar, done, total, r, clock(secs), eta,
        suffix == null || suffix.isEmpty() ? "" : " " + suffix);
  }

  static String clock(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format("%d:%02d", s / 60, s % 60);
  }
}
