package dev.lathe.engine.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Parquet and CSV through an in-memory DuckDB. Each row comes back as to_json(row), so nested
 * list/struct columns arrive as the same JSON shapes as a JSONL row, and column order is the file's.
 */
public final class DuckDbRows {
  private DuckDbRows() {}

  public static Table parquet(Path file) {
    return query(file, "SELECT to_json(t) FROM read_parquet(?) t");
  }

  /**
   * CSV with header and type sniffing (integers and floats become numbers, empty cells null). A strict
   * pass with the header's columns runs first: DuckDB's sniffer otherwise reads a ragged file as one
   * column (or no rows) without a word, and the fault surfaced as a "missing field of row 0".
   */
  public static Table csv(Path file) {
    CsvShape.check(file);
    return query(file, "SELECT to_json(t) FROM read_csv(?, header = true, delim = ',') t");
  }

  @SuppressWarnings("unchecked")
  private static Table query(Path file, String sql) {
    List<Map<String, Object>> rows = new ArrayList<>();
    List<String> origins = new ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, file.toString());
      try (ResultSet rs = ps.executeQuery()) {
        int i = 0;
        while (rs.next()) {
          rows.add((Map<String, Object>) Json.parse(rs.getString(1)));
          origins.add(file + " row " + i++);
        }
      }
    } catch (SQLException e) {
      throw new DataException(file + ": cannot read: " + firstLine(e.getMessage()), e);
    } catch (JsonProcessingException e) {
      throw new DataException(file + ": DuckDB returned a row that is not JSON: " + e.getOriginalMessage(), e);
    }
    return Table.ofRows(rows, origins);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
