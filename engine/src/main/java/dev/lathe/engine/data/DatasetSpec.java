package dev.lathe.engine.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * One entry of `datasets:` / `test_datasets:` with Axolotl's keys. `type` is a string such as
 * "chatml.intel"; a mapping type (user_defined) is given with {@link Builder#typeMapping}. A GRPO
 * transform (Axolotl's `type: rewards.fn`) is a Java/Kotlin function given with {@link Builder#transform}.
 */
public final class DatasetSpec {
  public final String path;
  public final String type;
  public final Map<String, String> typeMapping;
  public final String split;
  public final List<String> dataFiles;
  public final String dsType;
  public final List<String> name;
  public final String revision;
  public final String fieldMessages;
  public final String fieldChosen;
  public final String fieldRejected;
  public final Map<String, String> messagePropertyMappings;
  public final Map<String, List<String>> roles;
  public final String chatTemplate;
  public final String chatTemplateJinja;
  public final Function<Map<String, Object>, Map<String, Object>> transform;
  /** Columns the transform removes; ["__all__"] removes every input column. */
  public final List<String> removeColumns;

  private DatasetSpec(Builder b) {
    this.path = Objects.requireNonNull(b.path, "path");
    this.type = b.type;
    this.typeMapping = b.typeMapping == null ? null : Map.copyOf(b.typeMapping);
    this.split = b.split;
    this.dataFiles = b.dataFiles == null ? null : List.copyOf(b.dataFiles);
    this.dsType = b.dsType;
    this.name = b.name == null ? null : List.copyOf(b.name);
    this.revision = b.revision;
    this.fieldMessages = b.fieldMessages;
    this.fieldChosen = b.fieldChosen;
    this.fieldRejected = b.fieldRejected;
    this.messagePropertyMappings = b.messagePropertyMappings == null ? null : Map.copyOf(b.messagePropertyMappings);
    this.roles = b.roles == null ? null : copyRoles(b.roles);
    this.chatTemplate = b.chatTemplate;
    this.chatTemplateJinja = b.chatTemplateJinja;
    this.transform = b.transform;
    this.removeColumns = b.removeColumns == null ? List.of() : List.copyOf(b.removeColumns);
  }

  private static Map<String, List<String>> copyRoles(Map<String, List<String>> roles) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    roles.forEach((k, v) -> m.put(k, List.copyOf(v)));
    return m;
  }

  public static Builder builder(String path) {
    return new Builder(path);
  }

  /** How the entry names its type in messages: the string, "user_defined (mapping)" or "transform function". */
  public String typeLabel() {
    if (transform != null) {
      return type == null ? "transform function" : type + " (transform function)";
    }
    if (typeMapping != null) {
      return "user_defined.default (mapping)";
    }
    return type == null ? "(none)" : type;
  }

  public static final class Builder {
    private final String path;
    private String type;
    private Map<String, String> typeMapping;
    private String split;
    private List<String> dataFiles;
    private String dsType;
    private List<String> name;
    private String revision;
    private String fieldMessages;
    private String fieldChosen;
    private String fieldRejected;
    private Map<String, String> messagePropertyMappings;
    private Map<String, List<String>> roles;
    private String chatTemplate;
    private String chatTemplateJinja;
    private Function<Map<String, Object>, Map<String, Object>> transform;
    private List<String> removeColumns;

    private Builder(String path) {
      this.path = path;
    }

    public Builder type(String v) { this.type = v; return this; }

    /** `type:` given as a mapping (user_defined.default): field_prompt, prompt_format, ... */
    public Builder typeMapping(Map<String, String> v) { this.typeMapping = v; return this; }

    public Builder split(String v) { this.split = v; return this; }

    public Builder dataFiles(List<String> v) { this.dataFiles = v; return this; }

    public Builder dsType(String v) { this.dsType = v; return this; }

    public Builder name(String v) { this.name = v == null ? null : List.of(v); return this; }

    public Builder names(List<String> v) { this.name = v; return this; }

    public Builder revision(String v) { this.revision = v; return this; }

    public Builder fieldMessages(String v) { this.fieldMessages = v; return this; }

    public Builder fieldChosen(String v) { this.fieldChosen = v; return this; }

    public Builder fieldRejected(String v) { this.fieldRejected = v; return this; }

    public Builder messagePropertyMappings(Map<String, String> v) { this.messagePropertyMappings = v; return this; }

    public Builder roles(Map<String, List<String>> v) { this.roles = v; return this; }

    public Builder chatTemplate(String v) { this.chatTemplate = v; return this; }

    public Builder chatTemplateJinja(String v) { this.chatTemplateJinja = v; return this; }

    /** A GRPO-style row transform: its result is merged over the row; removeColumns are dropped first. */
    public Builder transform(Function<Map<String, Object>, Map<String, Object>> fn, List<String> removeColumns) {
      this.transform = fn;
      this.removeColumns = removeColumns == null ? null : new ArrayList<>(removeColumns);
      return this;
    }

    public Builder transform(Function<Map<String, Object>, Map<String, Object>> fn) {
      return transform(fn, null);
    }

    public DatasetSpec build() {
      if (path == null || path.isBlank()) {
        throw new DataException("dataset entry: `path` is required");
      }
      if (type != null && typeMapping != null) {
        throw new DataException("dataset " + path + ": give `type` as a string or a mapping, not both");
      }
      return new DatasetSpec(this);
    }
  }
}
