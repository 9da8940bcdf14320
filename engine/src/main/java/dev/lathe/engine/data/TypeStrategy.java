package dev.lathe.engine.data;

import java.util.List;
import java.util.Map;

/**
 * A resolved dataset type: its name, a description of the fields it reads (for errors), the row
 * transform (or, for a type that makes several rows of one, the expansion), and the input columns it
 * removes (["__all__"] removes all). The transform's result is merged over the row, as HF's Dataset.map does.
 */
public record TypeStrategy(String name, String expected, Transform fn, List<String> removeColumns, Expand expand) {
  @FunctionalInterface
  public interface Transform {
    Map<String, Object> apply(Row row, DataWarnings warnings);
  }

  /** A type that makes several rows of one (HF's batched map, e.g. one row per assistant turn). */
  @FunctionalInterface
  public interface Expand {
    List<Map<String, Object>> apply(Row row);
  }

  public TypeStrategy(String name, String expected, Transform fn, List<String> removeColumns) {
    this(name, expected, fn, removeColumns, null);
  }

  public TypeStrategy(String name, String expected, Transform fn) {
    this(name, expected, fn, List.of());
  }

  /** A type that makes several rows of one: it has no single-row transform. */
  static TypeStrategy expanding(String name, String expected, Expand expand, List<String> removeColumns) {
    return new TypeStrategy(name, expected, null, removeColumns, expand);
  }

  /** The columns this type makes of one input row: one map, or several for an expanding type. */
  List<Map<String, Object>> rows(Row row, DataWarnings warnings) {
    return expand != null ? expand.apply(row) : List.of(fn.apply(row, warnings));
  }
}
