package dev.lathe.engine.data;

import java.util.Locale;

/** Axolotl's excess_length_strategy: what happens to a row longer than sequence_len. */
public enum ExcessLengthStrategy {
  DROP, TRUNCATE, RAISE;

  /** Parses the YAML value; null means the default, drop. */
  public static ExcessLengthStrategy parse(String s) {
    if (s == null) {
      return DROP;
    }
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "drop" -> DROP;
      case "truncate" -> TRUNCATE;
      case "raise" -> RAISE;
      default -> throw new DataException("config key `excess_length_strategy`: unknown value '" + s
          + "'; valid values: drop, truncate, raise");
    };
  }
}
