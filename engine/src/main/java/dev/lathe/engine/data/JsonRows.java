package dev.lathe.engine.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

  private static int firstNonBlank(Path file) throws IOException {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      int c;
      while ((c = r.read()) >= 0) {
        if (!Character.isWhitespace(c) && c != 0xFEFF) {
          return c;
        }
      }
      return -1;
    }
  }

  private static Table readLines(Path file) throws IOException {
    List<Map<String, Object>> rows = new ArrayList<>();
    List<String> origins = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int no = 0;
      while ((line = r.readLine()) != null) {
        no++;
        if (line.isBlank()) {
          continue;
        }
        rows.add(object(line, file + ":" + no));
        origins.add(file + ":" + no);
      }
    }
    return Table.ofRows(rows, origins);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(String line, String where) {
    Object v;
    try {
      v = Json.parse(line);
    } catch (JsonProcessingException e) {
      throw new DataException(where + ": malformed JSON: " + e.getOriginalMessage()
          + " (column " + e.getLocation().getColumnNr() + "); line starts: " + abbreviate(line));
    }
    if (!(v instanceof Map)) {
      throw new DataException(where + ": expected a JSON object per line, found " + kind(v) + ": " + abbreviate(line));
    }
    return (Map<String, Object>) v;
  }

  @SuppressWarnings("unchecked")
  private static Table readArray(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    Object v;
    try {
      v = Json.parse(text);
    } catch (JsonProcessingException e) {
      throw new DataException(file + ":" + e.getLocation().getLineNr() + ": malformed JSON: " + e.getOriginalMessage());
    }
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
