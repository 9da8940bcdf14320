package dev.lathe.engine.data;

import java.util.List;
import java.util.Map;

/**
 * A resolved dataset type: its name, a description of the fields it reads (for errors), the row
 * transform, and the input columns it removes (["__all__"] removes all). The transform's result is
 * merged over the row, as HF's Dataset.map does.
 */
public record TypeStrategy(String name, String expected, Transform fn, List<String> removeColumns) {
  @FunctionalInterface
  public interface Transform {
    Map<String, Object> apply(Row row, DataWarnings warnings);
  }

  public TypeStrategy(String name, String expected, Transform fn) {
    this(name, expected, fn, List.of());
  }
}
