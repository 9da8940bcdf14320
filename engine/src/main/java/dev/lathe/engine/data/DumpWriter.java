package dev.lathe.engine.data;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * `lathe preprocess --dump FILE.jsonl`: one line per example in dataset order after shuffling
 * (train, then eval), with its post-type strings and token ids. Written to a temporary file in the
 * same folder and renamed into place, so a failed run never leaves half a file.
 */
public final class DumpWriter {
  private DumpWriter() {}

  public static void write(Path file, List<EncodedExample> train, List<EncodedExample> eval) {
    atomically(file, w -> {
      writeAll(w, "train", train);
      writeAll(w, "eval", eval);
    });
  }

  /** GRPO rows are not tokenized here: each line is the row's columns after its transform. */
  public static void writeRows(Path file, List<PreparedRow> train, List<PreparedRow> eval) {
    atomically(file, w -> {
      for (String split : List.of("train", "eval")) {
        for (PreparedRow r : split.equals("train") ? train : eval) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("split", split);
          m.put("origin", r.origin());
          m.putAll(r.columns());
          w.write(Json.write(m));
          w.write('\n');
        }
      }
    });
  }

  private interface Body {
    void write(BufferedWriter w) throws IOException;
  }

  private static void atomically(Path file, Body body) {
    Path abs = file.toAbsolutePath();
    Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp-" + ProcessHandle.current().pid());
    try {
      try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        body.write(w);
      }
      try {
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // the original error is the one worth reporting
      }
      throw new DataException("cannot write dump " + file + ": " + e.getMessage(), e);
    }
  }

  private static void writeAll(BufferedWriter w, String split, List<EncodedExample> rows) throws IOException {
    for (EncodedExample e : rows) {
      w.write(Json.write(line(split, e)));
      w.write('\n');
    }
  }

  static Map<String, Object> line(String split, EncodedExample e) {
    TextExample t = e.text();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("split", split);
    m.put("origin", e.row().origin());
    m.put("prompt", t.prompt());
    if (t.completion() != null) {
      m.put("completion", t.completion());
      m.put("label", t.label());
      m.put("prompt_ids", e.prompt());
      m.put("completion_ids", e.completion());
    } else {
      m.put("chosen", t.chosen());
      m.put("rejected", t.rejected());
      m.put("prompt_ids", e.prompt());
      m.put("chosen_ids", e.chosen());
      m.put("rejected_ids", e.rejected());
    }
    return m;
  }
}
