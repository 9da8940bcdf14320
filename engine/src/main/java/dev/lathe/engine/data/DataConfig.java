package dev.lathe.engine.data;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The data part of an Axolotl-style config: `rl`, `datasets`, `test_datasets`, `sequence_len`,
 * `excess_length_strategy`, `val_set_size`, shuffling, deduplication, `seed`, `chat_template`.
 * Built by the YAML binder (scripts) or directly in recipes and tests; defaults follow Axolotl.
 */
public final class DataConfig {
  public final Method method;
  public final List<DatasetSpec> datasets;
  public final List<DatasetSpec> testDatasets;
  public final int sequenceLen;
  public final ExcessLengthStrategy excessLengthStrategy;
  public final double valSetSize;
  public final boolean shuffleMergedDatasets;
  public final boolean shuffleBeforeMergingDatasets;
  public final boolean datasetExactDeduplication;
  public final long seed;
  public final String chatTemplate;
  public final String chatTemplateJinja;
  /** chat_template_kwargs: extra template variables (tools, enable_thinking, ...), as transformers' apply_chat_template(**kwargs). */
  public final Map<String, Object> chatTemplateKwargs;
  public final String datasetPreparedPath;
  public final boolean skipPrepareDataset;
  /** Relative dataset paths resolve against this folder (the config file's folder). */
  public final Path baseDir;
  /** Null: training rows come from `datasets`; else the key that replaces it (a plugin's, e.g. nemo_gym_datasets), and `datasets` may be absent. */
  public final String datasetsReplacedBy;

  private DataConfig(Builder b) {
    this.method = Method.of(b.rl, b.rewardModel);
    this.datasets = List.copyOf(b.datasets);
    this.testDatasets = b.testDatasets == null ? List.of() : List.copyOf(b.testDatasets);
    this.sequenceLen = b.sequenceLen;
    this.excessLengthStrategy = ExcessLengthStrategy.parse(b.excessLengthStrategy);
    this.valSetSize = b.valSetSize;
    this.shuffleMergedDatasets = b.shuffleMergedDatasets;
    this.shuffleBeforeMergingDatasets = b.shuffleBeforeMergingDatasets;
    this.datasetExactDeduplication = b.datasetExactDeduplication;
    this.seed = b.seed;
    this.chatTemplate = b.chatTemplate;
    this.chatTemplateJinja = b.chatTemplateJinja;
    this.chatTemplateKwargs = Collections.unmodifiableMap(new LinkedHashMap<>(b.chatTemplateKwargs)); // values may be null
    this.datasetPreparedPath = b.datasetPreparedPath;
    this.skipPrepareDataset = b.skipPrepareDataset;
    this.baseDir = b.baseDir == null ? Path.of("").toAbsolutePath() : b.baseDir;
    this.datasetsReplacedBy = b.datasetsReplacedBy;
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private String rl;
    private boolean rewardModel;
    private List<DatasetSpec> datasets = List.of();
    private String datasetsReplacedBy;
    private List<DatasetSpec> testDatasets;
    private int sequenceLen = 512;
    private String excessLengthStrategy;
    private double valSetSize = 0.0;
    private boolean shuffleMergedDatasets = true;
    private boolean shuffleBeforeMergingDatasets = false;
    private boolean datasetExactDeduplication = false;
    private long seed = 42;
    private String chatTemplate;
    private String chatTemplateJinja;
    private Map<String, Object> chatTemplateKwargs = Map.of();
    private String datasetPreparedPath;
    private boolean skipPrepareDataset;
    private Path baseDir;

    public Builder rl(String v) { this.rl = v; return this; }

    public Builder rewardModel(boolean v) { this.rewardModel = v; return this; }

    public Builder datasets(List<DatasetSpec> v) { this.datasets = Objects.requireNonNull(v); return this; }

    public Builder testDatasets(List<DatasetSpec> v) { this.testDatasets = v; return this; }

    public Builder sequenceLen(int v) { this.sequenceLen = v; return this; }

    public Builder excessLengthStrategy(String v) { this.excessLengthStrategy = v; return this; }

    public Builder valSetSize(double v) { this.valSetSize = v; return this; }

    public Builder shuffleMergedDatasets(boolean v) { this.shuffleMergedDatasets = v; return this; }

    public Builder shuffleBeforeMergingDatasets(boolean v) { this.shuffleBeforeMergingDatasets = v; return this; }

    public Builder datasetExactDeduplication(boolean v) { this.datasetExactDeduplication = v; return this; }

    public Builder seed(long v) { this.seed = v; return this; }

    public Builder chatTemplate(String v) { this.chatTemplate = v; return this; }

    public Builder chatTemplateJinja(String v) { this.chatTemplateJinja = v; return this; }

    public Builder chatTemplateKwargs(Map<String, Object> v) { this.chatTemplateKwargs = Objects.requireNonNull(v); return this; }

    public Builder datasetPreparedPath(String v) { this.datasetPreparedPath = v; return this; }

    public Builder skipPrepareDataset(boolean v) { this.skipPrepareDataset = v; return this; }

    public Builder baseDir(Path v) { this.baseDir = v; return this; }

    /** A plugin's key that replaces `datasets` for training (then `datasets` may be empty). */
    public Builder datasetsReplacedBy(String key) { this.datasetsReplacedBy = key; return this; }

    public DataConfig build() {
      if (datasets.isEmpty() && datasetsReplacedBy == null) {
        throw new DataException("config key `datasets`: at least one dataset entry is required");
      }
      if (sequenceLen <= 0) {
        throw new DataException("config key `sequence_len`: must be > 0, got " + sequenceLen);
      }
      if (valSetSize < 0 || valSetSize >= 1) {
        throw new DataException("config key `val_set_size`: must be a fraction in [0, 1), got " + valSetSize
            + " (Axolotl passes it to HF train_test_split as a float; absolute row counts are not supported)");
      }
      if (valSetSize > 0 && testDatasets != null && !testDatasets.isEmpty()) {
        throw new DataException("config: `val_set_size` and `test_datasets` cannot both be set; use one eval source");
      }
      for (String reserved : List.of("messages", "add_generation_prompt")) {
        if (chatTemplateKwargs.containsKey(reserved)) {
          throw new DataException("config key `chat_template_kwargs`: '" + reserved + "' is set by Lathe for every "
              + "render and cannot be a template argument");
        }
      }
      return new DataConfig(this);
    }
  }
}
