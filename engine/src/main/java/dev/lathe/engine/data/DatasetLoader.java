package dev.lathe.engine.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Loads one dataset entry from local files the way Axolotl's loader picks its source (§1.1 of the
 * formats reference): a file, a folder with data_files, or a folder of data files; ds_type given or
 * inferred; then the split, slices included. Hub ids and URLs cannot be reached: a clear error says
 * to download them first.
 */
public final class DatasetLoader {
  private static final Pattern REMOTE = Pattern.compile("^(https?|s3|gs|gcs|adl|abfs|az|oci|hf)://.*");
  private static final Pattern HUB_ID = Pattern.compile("^[A-Za-z0-9][\\w.\\-]*/[\\w.\\-]+$");

  private DatasetLoader() {}

  public static Table load(DatasetSpec spec, Path baseDir, String label, DataWarnings warnings) {
    if (REMOTE.matcher(spec.path).matches()) {
      throw new DataException(label + " (path: " + spec.path + "): remote datasets cannot be reached from Lathe; "
          + "download the file first and set `path` to the local copy");
    }
    Path p = resolve(baseDir, spec.path);
    if (spec.name != null && Files.exists(p)) {
      warnings.warn(label + ": `name` " + spec.name + " has no effect on local files (it selects a Hub config)", null);
    }
    if (spec.revision != null && Files.exists(p)) {
      warnings.warn(label + ": `revision` has no effect on local files (it selects a Hub commit)", null);
    }
    Map<String, List<Path>> splits;
    if (Files.isDirectory(p)) {
      splits = spec.dataFiles != null ? Map.of("train", dataFiles(spec, baseDir, label)) : folderSplits(p, label);
    } else if (Files.isRegularFile(p)) {
      splits = Map.of("train", List.of(p));
    } else if (spec.dataFiles != null && !spec.dataFiles.isEmpty() && HUB_ID.matcher(spec.path).matches()) {
      throw new DataException(label + " (path: " + spec.path + "): '" + spec.path + "' is not a local folder and "
          + "Hugging Face Hub repos cannot be reached from Lathe; download " + spec.dataFiles
          + " from it first and point `path` at the local files");
    } else {
      throw new DataException(label + " (path: " + spec.path + "): no such file or folder (looked at " + p + ")"
          + (HUB_ID.matcher(spec.path).matches()
              ? "; it looks like a Hugging Face Hub id, which Lathe cannot reach: download the dataset first "
                  + "(e.g. as .jsonl or .parquet) and set `path` to the local file"
              : ""));
    }
    String split = spec.split == null ? "train" : spec.split;
    Map<String, Table> loaded = new LinkedHashMap<>();
    return SplitSpec.parse(split).apply(name -> loaded.computeIfAbsent(name, n -> {
      List<Path> files = splits.get(n);
      if (files == null) {
        throw new DataException(label + " (path: " + spec.path + "): unknown split '" + n + "'; available: "
            + splits.keySet());
      }
      List<Table> parts = new ArrayList<>();
      for (Path f : files) {
        parts.add(readFile(f, spec.dsType, label));
      }
      return parts.size() == 1 ? parts.get(0) : Table.concat(parts);
    }));
  }

  static Path resolve(Path baseDir, String path) {
    String expanded = path.startsWith("~/") ? System.getProperty("user.home") + path.substring(1) : path;
    return baseDir.resolve(expanded).normalize();
  }

  private static List<Path> dataFiles(DatasetSpec spec, Path baseDir, String label) {
    List<Path> out = new ArrayList<>();
    for (String f : spec.dataFiles) {
      // as in Axolotl, data_files are not made relative to the dataset folder
      Path fp = resolve(baseDir, f);
      if (!Files.isRegularFile(fp)) {
        throw new DataException(label + " (path: " + spec.path + "): data_files entry '" + f + "' not found (looked at " + fp + ")");
      }
      out.add(fp);
    }
    return out;
  }

  /** A folder of data files: split by file-name keywords as HF does, else everything is "train". */
  private static Map<String, List<Path>> folderSplits(Path dir, String label) {
    if (Files.exists(dir.resolve("state.json")) || Files.exists(dir.resolve("dataset_dict.json"))) {
      throw new DataException(label + ": " + dir + " is a dataset saved with HF save_to_disk (Arrow); Lathe reads "
          + ".jsonl/.json/.parquet/.csv: export it with ds.to_json(...) or ds.to_parquet(...)");
    }
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir)) {
      files = s.filter(Files::isRegularFile).filter(f -> inferType(f.toString()) != null && !isHidden(dir, f))
          .sorted().toList();
    } catch (IOException e) {
      throw new DataException(label + ": cannot list " + dir + ": " + e.getMessage(), e);
    }
    if (files.isEmpty()) {
      throw new DataException(label + ": folder " + dir + " holds no .jsonl/.json/.parquet/.csv files");
    }
    Map<String, List<Path>> splits = new LinkedHashMap<>();
    for (Path f : files) {
      splits.computeIfAbsent(splitOf(dir.relativize(f).toString()), k -> new ArrayList<>()).add(f);
    }
    return splits;
  }

  private static boolean isHidden(Path dir, Path f) {
    for (Path part : dir.relativize(f)) {
      if (part.toString().startsWith(".") || part.toString().startsWith("_")) {
        return true;
      }
    }
    return false;
  }

  static String splitOf(String relative) {
    String[] words = relative.toLowerCase(Locale.ROOT).replaceAll("\\.[a-z]+$", "").split("[-_./\\s]+");
    for (String w : words) {
      switch (w) {
        case "test", "testing", "eval", "evaluation" -> { return "test"; }
        case "validation", "valid", "val", "dev" -> { return "validation"; }
        default -> { }
      }
    }
    return "train";
  }

  /** HF's substring inference on the path: .parquet, .arrow, .csv, .txt; json otherwise. Null: not data. */
  static String inferType(String path) {
    String lower = path.toLowerCase(Locale.ROOT);
    if (lower.contains(".parquet")) {
      return "parquet";
    }
    if (lower.contains(".arrow")) {
      return "arrow";
    }
    if (lower.contains(".csv")) {
      return "csv";
    }
    if (lower.endsWith(".json") || lower.endsWith(".jsonl")) {
      return "json";
    }
    return null;
  }

  static Table readFile(Path f, String dsType, String label) {
    String t = dsType != null ? dsType.toLowerCase(Locale.ROOT) : inferType(f.toString());
    if (t == null) {
      t = f.toString().toLowerCase(Locale.ROOT).contains(".txt") ? "text" : "json";
    }
    try {
      Table table = switch (t) {
        case "json", "jsonl" -> JsonRows.read(f);
        case "parquet" -> DuckDbRows.parquet(f);
        case "csv" -> DuckDbRows.csv(f);
        case "text" -> TextRows.read(f);
        case "arrow" -> throw new DataException("Arrow files are not supported; convert " + f + " to parquet or jsonl");
        default -> throw new DataException("unknown ds_type '" + dsType + "'; valid: json, parquet, csv, text");
      };
      if (table.size() == 0) throw new DataException(f + ": expected rows, found none (the file is empty or holds only blank lines)");
      return table;
    } catch (DataException e) {
      throw new DataException(label + ": " + e.getMessage(), e);
    }
  }
}
