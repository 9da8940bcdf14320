package dev.lathe.engine.train;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/** A small line chart (several series over training steps) drawn headless into a PNG. */
public final class LinePlot {
  static {
    System.setProperty("java.awt.headless", "true");
  }

  public record Series(String name, double[] x, double[] y) {}

  private static final Color[] COLORS = {
      new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44), new Color(214, 39, 40), new Color(148, 103, 189)};
  private static final int W = 720, H = 440, LEFT = 80, RIGHT = 20, TOP = 40, BOTTOM = 50;

  private final String title;
  private final List<Series> series = new ArrayList<>();

  public LinePlot(String title) { this.title = title; }

  public LinePlot add(Series s) {
    if (s.x().length != s.y().length) throw new IllegalArgumentException("series '" + s.name() + "': x and y differ in length");
    if (s.x().length > 0) series.add(s);
    return this;
  }

  public boolean isEmpty() { return series.isEmpty(); }

  /** Writes the chart as PNG (temp file, then rename). */
  public void write(Path png) {
    BufferedImage img = render();
    try {
      Files.createDirectories(png.toAbsolutePath().getParent());
      Path tmp = png.resolveSibling("." + png.getFileName() + ".tmp");
      if (!ImageIO.write(img, "png", tmp.toFile())) throw new IOException("no PNG writer available");
      Files.move(tmp, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write plot " + png + ": " + e.getMessage(), e);
    }
  }

  BufferedImage render() {
    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, W, H);
    double[] xr = range(true), yr = range(false);
    axes(g, xr, yr);
    for (int i = 0; i < series.size(); i++) line(g, series.get(i), xr, yr, COLORS[i % COLORS.length]);
    legend(g);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    g.drawString(title, LEFT, TOP - 14);
    g.dispose();
    return img;
  }

  private double[] range(boolean xs) {
    double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      for (double v : xs ? s.x() : s.y()) {
        if (!Double.isFinite(v)) continue;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    if (lo > hi) return new double[]{0, 1};
    if (hi - lo < 1e-12) return new double[]{lo - 0.5, hi + 0.5};
    double pad = xs ? 0 : (hi - lo) * 0.05;
    return new double[]{lo - pad, hi + pad};
  }

  private static int px(double v, double[] r) { return LEFT + (int) Math.round((v - r[0]) / (r[1] - r[0]) * (W - LEFT - RIGHT)); }
  private static int py(double v, double[] r) { return H - BOTTOM - (int) Math.round((v - r[0]) / (r[1] - r[0]) * (H - TOP - BOTTOM)); }

  private void axes(Graphics2D g, double[] xr, double[] yr) {
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    for (int i = 0; i <= 5; i++) {
      double yv = yr[0] + (yr[1] - yr[0]) * i / 5, xv = xr[0] + (xr[1] - xr[0]) * i / 5;
      g.setColor(new Color(232, 232, 232));
      g.drawLine(LEFT, py(yv, yr), W - RIGHT, py(yv, yr));
      g.setColor(Color.DARK_GRAY);
      g.drawString(tick(yv), 8, py(yv, yr) + 4);
      g.drawString(tick(xv), px(xv, xr) - 10, H - BOTTOM + 16);
    }
    g.setColor(Color.BLACK);
    g.drawRect(LEFT, TOP, W - LEFT - RIGHT, H - TOP - BOTTOM);
    g.drawString("step", W / 2, H - 12);
  }

  private static String tick(double v) {
    double a = Math.abs(v);
    if (a != 0 && (a < 1e-3 || a >= 1e5)) return String.format("%.2e", v);
    return String.format(a >= 100 ? "%.0f" : "%.4g", v);
  }

  private static void line(Graphics2D g, Series s, double[] xr, double[] yr, Color c) {
    g.setColor(c);
    g.setStroke(new BasicStroke(2f));
    int n = s.x().length;
    for (int i = 0; i < n; i++) {
      if (!Double.isFinite(s.y()[i])) continue;
      int x = px(s.x()[i], xr), y = py(s.y()[i], yr);
      if (n == 1 || (i > 0 && Double.isFinite(s.y()[i - 1]))) {
        int x0 = i > 0 ? px(s.x()[i - 1], xr) : x, y0 = i > 0 ? py(s.y()[i - 1], yr) : y;
        g.drawLine(x0, y0, x, y);
      }
      if (n <= 40) g.fillOval(x - 3, y - 3, 6, 6);
    }
  }

  private void legend(Graphics2D g) {
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    int y = TOP + 16;
    for (int i = 0; i < series.size(); i++, y += 16) {
      g.setColor(COLORS[i % COLORS.length]);
      g.fillRect(W - RIGHT - 170, y - 9, 12, 10);
      g.setColor(Color.BLACK);
      g.drawString(series.get(i).name(), W - RIGHT - 152, y);
    }
  }
}
