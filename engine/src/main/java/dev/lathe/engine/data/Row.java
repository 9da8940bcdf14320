package dev.lathe.engine.data;

import java.util.List;
import java.util.Map;

/**
 * One input row as a dataset type sees it, with accessors that fail loudly: a missing column names
 * the row, the type, the fields the type expects and the fields the row has; a null where text is
 * needed is refused instead of becoming the text "None" as in Axolotl.
 */
public final class Row {
  private final Map<String, Object> values;
  private final String origin;
  private final String type;
  private final String expected;

  public Row(Map<String, Object> values, String origin, String type, String expected) {
    this.values = values;
    this.origin = origin;
    this.type = type;
    this.expected = expected;
  }

  public Map<String, Object> values() {
    return values;
  }

  public String origin() {
    return origin;
  }

  /** The column exists in the dataset (HF semantics: it may still be null in this row). */
  public boolean has(String column) {
    return values.containsKey(column);
  }

  public Object get(String column) {
    return values.get(column);
  }

  /** The first of the candidates that is a column of the dataset, or an error naming all of them. */
  public String firstPresent(String... candidates) {
    for (String c : candidates) {
      if (has(c)) {
        return c;
      }
    }
    throw missing(String.join("' or '", candidates));
  }

  /** A required text field: present and non-null; numbers and booleans print as Python would. */
  public String text(String column) {
    if (!has(column)) {
      throw missing(column);
    }
    return textValue(values.get(column), "field '" + column + "'");
  }

  /** A text value found somewhere in the row (e.g. a message's content); what names it in errors. */
  public String textValue(Object v, String what) {
    if (v == null) {
      throw fail(what + " is null (Axolotl would insert the text 'None')");
    }
    if (v instanceof List || v instanceof Map) {
      throw fail(what + " must be text, found " + JsonRows.kind(v) + ": " + JsonRows.abbreviate(Json.write(v)));
    }
    return PyStr.str(v);
  }

  /** An optional system text: used only when the column exists and is truthy, as Axolotl does. */
  public String optionalTruthy(String column) {
    Object v = values.get(column);
    return PyStr.truthy(v) ? PyStr.str(v) : null;
  }

  /** A required list of messages (or any list). */
  public List<?> list(String column) {
    if (!has(column)) {
      throw missing(column);
    }
    Object v = values.get(column);
    if (!(v instanceof List<?> l)) {
      throw fail("field '" + column + "' must be a list of messages, found " + JsonRows.kind(v));
    }
    return l;
  }

  /** Element i of a list field, which must be a message object; its `key` as text. */
  public String messageField(List<?> list, String column, int i, String key) {
    int idx = i < 0 ? list.size() + i : i;
    if (idx < 0 || idx >= list.size()) {
      throw fail("field '" + column + "' has " + list.size() + " message(s); message [" + i + "] is needed");
    }
    Map<?, ?> m = message(list.get(idx), column + "[" + idx + "]");
    if (!m.containsKey(key)) {
      throw fail(column + "[" + idx + "] lacks key '" + key + "'; found keys " + m.keySet());
    }
    return textValue(m.get(key), column + "[" + idx + "]." + key);
  }

  public Map<?, ?> message(Object v, String what) {
    if (!(v instanceof Map<?, ?> m)) {
      throw fail(what + " must be a message object {role, content}, found " + JsonRows.kind(v));
    }
    return m;
  }

  public DataException missing(String column) {
    return fail("lacks field '" + column + "'");
  }

  public DataException fail(String what) {
    return new DataException("row " + origin + ", type " + type + ": " + what + "; expected fields: " + expected
        + "; found: " + values.keySet());
  }
}
