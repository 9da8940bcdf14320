package dev.lathe.engine.data;

import dev.lathe.engine.text.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Axolotl's RL data pipeline (§1): per entry load -> type transform -> length step; then merge in
 * config order with seeded shuffles, exact deduplication, and the eval set (test_datasets or the
 * tail val_set_size fraction). Row order matches Axolotl's for the same seed.
 */
public final class DatasetPipeline {
  /** The prepared train and eval rows (eval empty when none is configured). */
  public record Prepared(List<PreparedRow> train, List<PreparedRow> eval, RowCounts counts, DataWarnings warnings) {}

  private DatasetPipeline() {}

  public static Prepared prepare(DataConfig cfg, Tokenizer tok, ChatRenderer.Source templates, DataWarnings warnings) {
    RowCounts counts = new RowCounts();
    List<PreparedRow> train = mergeAndShuffle(cfg, loadAll(cfg, cfg.datasets, "datasets", tok, templates, warnings, counts));
    if (cfg.datasetExactDeduplication) {
      train = Deduplicator.unique(train, counts, Deduplicator.DUPLICATE);
    }
    List<PreparedRow> eval = List.of();
    if (!cfg.testDatasets.isEmpty()) {
      eval = mergeAndShuffle(cfg, loadAll(cfg, cfg.testDatasets, "test_datasets", tok, templates, warnings, new RowCounts()));
    } else if (cfg.valSetSize > 0) {
      int n = train.size();
      int nTest = (int) Math.ceil(cfg.valSetSize * n);
      if (nTest >= n) {
        throw new DataException("val_set_size " + cfg.valSetSize + " leaves no training rows out of " + n);
      }
      eval = new ArrayList<>(train.subList(n - nTest, n));
      train = new ArrayList<>(train.subList(0, n - nTest));
    }
    if (cfg.datasetExactDeduplication && !eval.isEmpty()) {
      eval = Deduplicator.againstTrain(eval, train);
    }
    return new Prepared(List.copyOf(train), List.copyOf(eval), counts, warnings);
  }

  private static List<List<PreparedRow>> loadAll(DataConfig cfg, List<DatasetSpec> specs, String key, Tokenizer tok,
      ChatRenderer.Source templates, DataWarnings warnings, RowCounts counts) {
    List<List<PreparedRow>> parts = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      DatasetSpec spec = specs.get(i);
      String label = key + "[" + i + "] (path: " + spec.path + ", type: " + spec.typeLabel() + ")";
      Table t = DatasetLoader.load(spec, cfg.baseDir, label, warnings);
      counts.read(t.size());
      TypeStrategy strategy = TypeResolver.resolve(cfg.method, spec, label, cfg, templates, warnings);
      List<PreparedRow> rows = transform(cfg.method, t, strategy, warnings);
      if (!cfg.skipPrepareDataset) {
        if (tok == null && !cfg.method.isGrpo()) {
          throw new DataException("the length step needs a tokenizer (sequence_len counts tokens)");
        }
        rows = AxolotlLengthFilter.apply(rows, tok, cfg.sequenceLen, cfg.excessLengthStrategy, counts);
      }
      parts.add(rows);
    }
    return parts;
  }

  /** Applies a type to every row: its result merged over the row, its remove_columns dropped first. */
  public static List<PreparedRow> transform(Method m, Table t, TypeStrategy s, DataWarnings warnings) {
    List<PreparedRow> out = new ArrayList<>(t.size());
    boolean removeAll = s != null && s.removeColumns().contains("__all__");
    for (int i = 0; i < t.size(); i++) {
      Map<String, Object> in = t.row(i);
      Map<String, Object> cols = new LinkedHashMap<>();
      if (s == null) {
        cols.putAll(in);
        out.add(new PreparedRow(cols, t.origin(i), TextExample.of(m, cols, t.origin(i))));
        continue;
      }
      if (!removeAll) {
        in.forEach((k, v) -> {
          if (!s.removeColumns().contains(k)) {
            cols.put(k, v);
          }
        });
      }
      List<Map<String, Object>> made = apply(s, new Row(in, t.origin(i), s.name(), s.expected()), warnings);
      for (int k = 0; k < made.size(); k++) {
        Map<String, Object> one = made.size() == 1 ? cols : new LinkedHashMap<>(cols);
        one.putAll(made.get(k));
        String origin = s.expand() == null ? t.origin(i) : t.origin(i) + " (row " + (k + 1) + " of " + made.size() + ")";
        out.add(new PreparedRow(one, origin, TextExample.of(m, one, origin)));
      }
    }
    return out;
  }

  private static List<Map<String, Object>> apply(TypeStrategy s, Row row, DataWarnings warnings) {
    try {
      return s.rows(row, warnings);
    } catch (DataException e) {
      throw e;
    } catch (RuntimeException e) {
      // e.g. a chat template that fails to render this row
      throw new DataException("row " + row.origin() + ", type " + s.name() + ": " + e.getMessage(), e);
    }
  }

  /** §1.3: optional per-dataset shuffles, concatenation in config order, then the merged shuffle. */
  static List<PreparedRow> mergeAndShuffle(DataConfig cfg, List<List<PreparedRow>> parts) {
    List<PreparedRow> merged = new ArrayList<>();
    for (List<PreparedRow> p : parts) {
      merged.addAll(parts.size() > 1 && cfg.shuffleBeforeMergingDatasets ? shuffle(p, cfg.seed) : p);
    }
    return cfg.shuffleMergedDatasets ? shuffle(merged, cfg.seed) : merged;
  }

  /** HF Dataset.shuffle(seed): new[j] = old[perm[j]] with numpy's default_rng(seed).permutation(n). */
  public static <T> List<T> shuffle(List<T> rows, long seed) {
    int[] perm = NumpyPermutation.permutation(seed, rows.size());
    List<T> out = new ArrayList<>(rows.size());
    for (int j : perm) {
      out.add(rows.get(j));
    }
    return out;
  }
}
