package dev.lathe.engine.data;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Checks a CSV's structure against its header row (comma-separated, as HF's csv loader reads it). */
final class CsvShape {
  private static final Pattern LINE = Pattern.compile("CSV Error on Line: (\\d+)");
  private static final Pattern COUNTS = Pattern.compile("Expected Number of Columns: (\\d+) Found: (\\d+)");
  private static final Pattern ORIGINAL = Pattern.compile("Original Line: (.*)");

  private CsvShape() {}

  static void check(Path file) {
    List<String> header = header(file);
    StringBuilder cols = new StringBuilder("{");
    for (int i = 0; i < header.size(); i++) {
      if (i > 0) cols.append(", ");
      cols.append('\'').append(header.get(i).replace("'", "''")).append("': 'VARCHAR'");
    }
    cols.append('}');
    String sql = "SELECT count(*) FROM read_csv(?, header = true, delim = ',', auto_detect = false, strict_mode = true, columns = "
        + cols + ")";
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, file.toString());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
      }
    } catch (SQLException e) {
      throw new DataException(describe(file, header, e.getMessage()), e);
    }
  }

  private static String describe(Path file, List<String> header, String msg) {
    String m = msg == null ? "" : msg;
    Matcher line = LINE.matcher(m);
    Matcher counts = COUNTS.matcher(m);
    Matcher original = ORIGINAL.matcher(m);
    if (line.find() && counts.find()) {
      return file + ":" + line.group(1) + ": expected " + counts.group(1) + " comma-separated fields (the header's " + header + "), found "
          + counts.group(2) + (original.find() ? ": " + JsonRows.abbreviate(original.group(1)) : "");
    }
    return file + ": not a well-formed CSV file: " + m.lines().findFirst().orElse("unknown error");
  }

  // the header row, split on commas outside double quotes
  private static List<String> header(Path file) {
    String first;
    try (var r = java.nio.file.Files.newBufferedReader(file, java.nio.charset.StandardCharsets.UTF_8)) {
      first = r.readLine();
    } catch (IOException e) {
      throw new DataException(file + ": cannot read the header row: " + e.getMessage(), e);
    }
    if (first == null) throw new DataException(file + ": expected a header row, found an empty file");
    if (first.startsWith("\uFEFF")) first = first.substring(1);
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < first.length(); i++) {
      char ch = first.charAt(i);
      if (ch == '"') quoted = !quoted;
      else if (ch == ',' && !quoted) { out.add(cur.toString().strip()); cur.setLength(0); }
      else cur.append(ch);
    }
    out.add(cur.toString().strip());
    return out;
  }
}
