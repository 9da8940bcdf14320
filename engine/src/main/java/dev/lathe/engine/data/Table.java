package dev.lathe.engine.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Rows of a dataset with HF `datasets` semantics: every row has every column (a key missing from
 * one JSONL line reads as null). Values are JSON-shaped: String, Long, Double, Boolean, null,
 * List, Map. Each row keeps its origin ("file.jsonl:12") so errors can point at it.
 */
public final class Table {
  private final List<String> columns;
  private final List<Map<String, Object>> rows;
  private final List<String> origins;

  public Table(List<String> columns, List<Map<String, Object>> rows, List<String> origins) {
    if (rows.size() != origins.size()) {
      throw new IllegalArgumentException("rows and origins differ in length");
    }
    this.columns = List.copyOf(columns);
    this.rows = Collections.unmodifiableList(rows);
    this.origins = Collections.unmodifiableList(origins);
  }

  /** Builds a table from rows whose key sets may differ: columns are the union in first-seen order. */
  public static Table ofRows(List<Map<String, Object>> raw, List<String> origins) {
    LinkedHashSet<String> cols = new LinkedHashSet<>();
    for (Map<String, Object> r : raw) {
      cols.addAll(r.keySet());
    }
    List<String> columns = new ArrayList<>(cols);
    List<Map<String, Object>> rows = new ArrayList<>(raw.size());
    for (Map<String, Object> r : raw) {
      rows.add(complete(columns, r));
    }
    return new Table(columns, rows, origins);
  }

  static Map<String, Object> complete(List<String> columns, Map<String, Object> r) {
    Map<String, Object> full = new LinkedHashMap<>();
    for (String c : columns) {
      full.put(c, r.get(c));
    }
    return Collections.unmodifiableMap(full);
  }

  public List<String> columns() {
    return columns;
  }

  public boolean hasColumn(String name) {
    return columns.contains(name);
  }

  public int size() {
    return rows.size();
  }

  public Map<String, Object> row(int i) {
    return rows.get(i);
  }

  public List<Map<String, Object>> rows() {
    return rows;
  }

  /** Where row i came from, e.g. "data/pairs.jsonl:12" or "x.parquet row 3". */
  public String origin(int i) {
    return origins.get(i);
  }

  /** The rows at the given indices, in that order (new[j] = old[idx[j]], as HF's select). */
  public Table select(int[] idx) {
    List<Map<String, Object>> r = new ArrayList<>(idx.length);
    List<String> o = new ArrayList<>(idx.length);
    for (int i : idx) {
      r.add(rows.get(i));
      o.add(origins.get(i));
    }
    return new Table(columns, r, o);
  }

  public Table slice(int from, int to) {
    return new Table(columns, new ArrayList<>(rows.subList(from, to)), new ArrayList<>(origins.subList(from, to)));
  }

  /** HF concatenate_datasets: rows in order, columns the union (absent ones become null). */
  public static Table concat(List<Table> parts) {
    LinkedHashSet<String> cols = new LinkedHashSet<>();
    for (Table t : parts) {
      cols.addAll(t.columns);
    }
    List<String> columns = new ArrayList<>(cols);
    List<Map<String, Object>> rows = new ArrayList<>();
    List<String> origins = new ArrayList<>();
    for (Table t : parts) {
      boolean same = t.columns.equals(columns);
      for (int i = 0; i < t.size(); i++) {
        rows.add(same ? t.rows.get(i) : complete(columns, t.rows.get(i)));
        origins.add(t.origins.get(i));
      }
    }
    return new Table(columns, rows, origins);
  }

  public static Table empty() {
    return new Table(List.of(), List.of(), List.of());
  }
}
