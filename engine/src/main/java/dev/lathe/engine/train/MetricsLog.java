package dev.lathe.engine.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * output_dir/metrics.jsonl: one JSON object per logging event ({"step": 10, "loss": ..., "rewards/margins": ...}),
 * flushed line by line so a killed run leaves a valid file. On resume, lines past the resumed step
 * are dropped so the file reads as one continuous run.
 */
public final class MetricsLog implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path file;
  private final List<Map<String, Object>> history = new ArrayList<>();
  private final BufferedWriter out;

  /** Opens the log; keepUpToStep < 0 starts a fresh file, otherwise keeps earlier lines with step <= it. */
  public MetricsLog(Path file, long keepUpToStep) {
    this.file = file;
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      if (keepUpToStep >= 0 && Files.exists(file)) history.addAll(readKept(file, keepUpToStep));
      rewrite();
      out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open metrics log " + file + ": " + e.getMessage(), e);
    }
  }

  private static List<Map<String, Object>> readKept(Path file, long upTo) throws IOException {
    List<Map<String, Object>> kept = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.isBlank()) continue;
      Map<String, Object> row;
      try {
        row = JSON.readValue(line, LinkedHashMap.class);
      } catch (IOException e) {
        continue; // a line cut by a kill: the run resumes from a checkpoint before it anyway
      }
      Object step = row.get("step");
      if (step instanceof Number n && n.longValue() <= upTo) kept.add(row);
    }
    return kept;
  }

  private void rewrite() throws IOException {
    StringBuilder b = new StringBuilder();
    for (Map<String, Object> row : history) b.append(JSON.writeValueAsString(row)).append('\n');
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
    Files.writeString(tmp, b, StandardCharsets.UTF_8);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** A log that keeps its rows in memory only (ranks other than 0 write no files). */
  public static MetricsLog inMemory() { return new MetricsLog(); }

  private MetricsLog() {
    this.file = null;
    this.out = null;
  }

  public void write(Map<String, Object> row) {
    history.add(row);
    if (out == null) return;
    try {
      out.write(JSON.writeValueAsString(row));
      out.write('\n');
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** Every row written so far (including kept rows of a resumed run). */
  public List<Map<String, Object>> history() { return List.copyOf(history); }

  public Path file() { return file; }

  /** Reads a metrics.jsonl written by any run. */
  public static List<Map<String, Object>> read(Path file) {
    try {
      return readKept(file, Long.MAX_VALUE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    if (out == null) return;
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
