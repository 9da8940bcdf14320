package dev.lathe.engine.data;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * dataset_exact_deduplication (§1.4): a row's identity is all its columns, in column order, with
 * types (1, 1.0, true and "True" differ as they do in Python's str(row)); the first occurrence stays.
 */
public final class Deduplicator {
  static final String DUPLICATE = "exact duplicate (dataset_exact_deduplication)";

  private Deduplicator() {}

  public static List<PreparedRow> unique(List<PreparedRow> rows, RowCounts counts, String reason) {
    Set<String> seen = new HashSet<>();
    List<PreparedRow> out = new ArrayList<>(rows.size());
    for (PreparedRow r : rows) {
      if (seen.add(key(r))) {
        out.add(r);
      } else {
        counts.drop(reason);
      }
    }
    return out;
  }

  /** Eval rows that equal any train row are removed, as are duplicates within eval. */
  public static List<PreparedRow> againstTrain(List<PreparedRow> eval, List<PreparedRow> train) {
    Set<String> seen = new HashSet<>();
    for (PreparedRow r : train) {
      seen.add(key(r));
    }
    List<PreparedRow> out = new ArrayList<>();
    for (PreparedRow r : eval) {
      if (seen.add(key(r))) {
        out.add(r);
      }
    }
    return out;
  }

  static String key(PreparedRow r) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(Json.write(r.columns()).getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(h);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
