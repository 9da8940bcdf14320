package dev.lathe.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.engine.io.AtomicFiles;
import dev.lathe.engine.io.FormatException;
import dev.lathe.engine.io.JsonFiles;
import dev.lathe.engine.io.PyJson;
import dev.lathe.engine.io.SafetensorsCheckpoint;
import dev.lathe.engine.nn.LoraSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * LoRA adapters in PEFT's folder format: adapter_config.json + adapter_model.safetensors, with
 * keys "base_model.model." + the HF parameter path ("...q_proj.lora_A.weight"), which is what
 * peft's PeftModel.from_pretrained reads.
 */
public final class PeftAdapters {
  public static final String PREFIX = "base_model.model.";
  public static final String CONFIG = "adapter_config.json";
  public static final String WEIGHTS = "adapter_model.safetensors";

  private PeftAdapters() {}

  /** Writes the model's adapters (it must have LoRA layers). */
  public static void save(LanguageModel m, Path dir, String baseModelPath) {
    if (m.loraSpec() == null) throw new IllegalStateException("the model has no LoRA adapters to save");
    try {
      Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot create " + dir, e);
    }
    HfWeights.writer(m.adapterParameters(), PREFIX).write(dir.resolve(WEIGHTS));
    AtomicFiles.writeString(dir.resolve(CONFIG), PyJson.file(config(m, baseModelPath), true));
  }

  static Map<String, Object> config(LanguageModel m, String baseModelPath) {
    LoraSpec s = m.loraSpec();
    TreeSet<String> targets = new TreeSet<>();
    for (String path : m.loraLayers().keySet()) targets.add(path.substring(path.lastIndexOf('.') + 1));
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("peft_type", "LORA");
    c.put("task_type", m instanceof SequenceClassifier ? "SEQ_CLS" : "CAUSAL_LM");
    c.put("base_model_name_or_path", baseModelPath);
    c.put("r", s.r());
    c.put("lora_alpha", s.alpha());
    c.put("lora_dropout", s.dropout());
    c.put("target_modules", new ArrayList<>(targets));
    c.put("use_rslora", s.rsLora());
    c.put("bias", "none");
    c.put("fan_in_fan_out", false);
    c.put("inference_mode", true);
    c.put("init_lora_weights", true);
    c.put("modules_to_save", null);
    c.put("use_dora", false);
    return c;
  }

  /** Reads adapter_config.json as a LoraSpec. */
  public static LoraSpec readSpec(Path dir) {
    Path file = dir.resolve(CONFIG);
    JsonNode c = JsonFiles.readObject(file);
    String type = c.path("peft_type").asText("LORA");
    if (!type.equals("LORA")) throw new FormatException(file, "key 'peft_type': expected \"LORA\", found \"" + type + "\"");
    if (c.path("use_dora").asBoolean(false)) throw new FormatException(file, "key 'use_dora': DoRA adapters are not supported");
    if (!c.path("r").isInt() || c.get("r").asInt() < 1) throw new FormatException(file, "key 'r': expected a positive integer, found " + c.get("r"));
    JsonNode t = c.get("target_modules");
    List<String> targets = new ArrayList<>();
    boolean all = false;
    if (t != null && t.isTextual()) {
      if (t.asText().equals("all-linear")) all = true;
      else targets.add(t.asText());
    } else if (t != null && t.isArray()) {
      t.forEach(x -> targets.add(x.asText()));
    } else {
      throw new FormatException(file, "key 'target_modules': expected a list of module names, found " + t);
    }
    return new LoraSpec(c.get("r").asInt(), c.path("lora_alpha").asDouble(8), c.path("lora_dropout").asDouble(0),
        targets, all, c.path("use_rslora").asBoolean(false));
  }

  /** Adds LoRA layers as configured in dir and loads their weights. */
  public static void load(LanguageModel m, Path dir) {
    Path weights = dir.resolve(WEIGHTS);
    LoraSpec spec = readSpec(dir);
    if (!Files.isRegularFile(weights)) {
      String bin = Files.exists(dir.resolve("adapter_model.bin")) ? " (adapter_model.bin, a pickle, is not read: save with safe_serialization)" : "";
      throw new FormatException(weights, "expected the adapter's weights here next to " + CONFIG + ", found no file" + bin);
    }
    try {
      m.addLora(spec);
    } catch (IllegalArgumentException e) {
      String key = e.getMessage() != null && e.getMessage().startsWith("lora_r") ? "r" : "target_modules";
      throw new FormatException(dir.resolve(CONFIG), "key '" + key + "': " + e.getMessage());
    }
    try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(dir.resolve(WEIGHTS))) {
      HfWeights.load(m.adapterParameters(), ck, dir.resolve(WEIGHTS), PREFIX, n -> false);
    }
  }
}
