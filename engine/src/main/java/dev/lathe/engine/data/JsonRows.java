package dev.lathe.engine.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads .jsonl (one object a line; blank lines skipped) and .json (a top-level array of objects,
 * or JSON lines, as HF's json builder accepts). A bad line fails with file:line and the parser's words.
 */
public final class JsonRows {
  private JsonRows() {}

  public static Table read(Path file) {
    try {
      if (firstNonBlank(file) == '[') {
        return readArray(file);
      }
      return readLines(file);
    } catch (IOException e) {
      throw new DataException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  // the first byte that is not ASCII whitespace or part of a UTF-8 BOM (bytes: the text may not be UTF-8)
  private static int firstNonBlank(Path file) throws IOException {
    try (java.io.InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file))) {
      for (int c; (c = in.read()) >= 0; ) {
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != 0xEF && c != 0xBB && c != 0xBF) return c;
      }
      return -1;
    }
  }

  private static Table readLines(Path file) throws IOException {
    List<Map<String, Object>> rows = new ArrayList<>();
    List<String> origins = new ArrayList<>();
    Utf8Lines.forEach(file, (no, line) -> {
      if (line.isBlank()) return;
      rows.add(object(line, file + ":" + no));
      origins.add(file + ":" + no);
    });
    return Table.ofRows(rows, origins);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(String line, String where) {
    Object v;
    try {
      v = Json.parse(line);
    } catch (JsonProcessingException e) {
      String col = e.getLocation() == null ? "" : " (column " + e.getLocation().getColumnNr() + ")";
      throw new DataException(where + ": malformed JSON: " + e.getOriginalMessage() + col + "; line starts: " + abbreviate(line));
    } catch (DataException e) {
      throw new DataException(where + ": " + e.getMessage());
    }
    if (!(v instanceof Map)) {
      throw new DataException(where + ": expected a JSON object per line, found " + kind(v) + ": " + abbreviate(line));
    }
    return (Map<String, Object>) v;
  }

  @SuppressWarnings("unchecked")
  private static Table readArray(Path file) throws IOException {
    String text = Utf8Lines.readAll(file);
    Object v;
    try {
      v = Json.parse(text);
    } catch (JsonProcessingException e) {
      String line = e.getLocation() == null ? "" : ":" + e.getLocation().getLineNr();
      throw new DataException(file + line + ": malformed JSON: " + e.getOriginalMessage());
    } catch (DataException e) {
      throw new DataException(file + ": " + e.getMessage());
    }
    if (!(v instanceof List)) throw new DataException(file + ": expected a top-level array of objects, found " + kind(v));
    List<Object> items = (List<Object>) v;
    List<Map<String, Object>> rows = new ArrayList<>(items.size());
    List<String> origins = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      if (!(items.get(i) instanceof Map)) {
        throw new DataException(file + ": element " + i + " of the top-level array is " + kind(items.get(i)) + ", expected an object");
      }
      rows.add((Map<String, Object>) items.get(i));
      origins.add(file + " element " + i);
    }
    return Table.ofRows(rows, origins);
  }

  static String kind(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof List) {
      return "an array";
    }
    if (v instanceof Map) {
      return "an object";
    }
    if (v instanceof String) {
      return "a string";
    }
    return "a " + v.getClass().getSimpleName().toLowerCase();
  }

  static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
