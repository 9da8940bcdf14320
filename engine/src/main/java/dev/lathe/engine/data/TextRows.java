package dev.lathe.engine.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** HF's text builder: one row per line, in a single column "text". */
final class TextRows {
  private TextRows() {}

  static Table read(Path f) {
    List<Map<String, Object>> rows = new ArrayList<>();
    List<String> origins = new ArrayList<>();
    try {
      int no = 0;
      for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
        no++;
        rows.add(Map.of("text", line));
        origins.add(f + ":" + no);
      }
    } catch (IOException e) {
      throw new DataException(f + ": cannot read: " + e.getMessage(), e);
    }
    return Table.ofRows(rows, origins);
  }
}
