package dev.lathe.engine.train.methods;

import dev.lathe.engine.io.SafetensorsCheckpoint;
import dev.lathe.engine.model.HfWeights;
import dev.lathe.engine.model.LanguageModel;
import dev.lathe.engine.model.Models;
import dev.lathe.engine.model.PeftAdapters;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.train.NamedParams;
import dev.lathe.engine.train.Trainable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * The policy as the loop trains and checkpoints it: with LoRA a PEFT adapter folder
 * (adapter_config.json + adapter_model.safetensors), otherwise a full Hugging Face folder
 * (config.json + model.safetensors); the base model's tokenizer files are copied alongside so the
 * folder loads on its own.
 */
public final class PolicyState implements Trainable {
  private static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
      "special_tokens_map.json", "generation_config.json", "chat_template.jinja");
  private final LanguageModel model;
  private final Path baseModelDir;

  public PolicyState(LanguageModel model, Path baseModelDir) {
    this.model = model;
    this.baseModelDir = baseModelDir;
  }

  @Override
  public Map<String, Tensor> parameters() { return NamedParams.trainable(model); }

  @Override
  public void setTraining(boolean on) { model.train(on); }

  /** Finishes the backward through checkpointed layers (no-op unless gradient checkpointing is on). */
  @Override
  public void afterBackward() { model.backwardCheckpointed(); }

  @Override
  public void save(Path dir) {
    if (model.loraSpec() != null) PeftAdapters.save(model, dir, baseModelDir == null ? "" : baseModelDir.toString());
    else Models.save(model, dir);
    copyTokenizer(dir);
  }

  @Override
  public void load(Path dir) {
    boolean lora = model.loraSpec() != null;
    Path weights = lora ? dir.resolve(PeftAdapters.WEIGHTS) : dir;
    try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(weights)) {
      if (lora) HfWeights.load(model.adapterParameters(), ck, weights, PeftAdapters.PREFIX, n -> false);
      else HfWeights.load(model.baseParameters(), ck, dir, "", n -> n.equals("lm_head.weight") && model.spec().tieEmbeddings());
    }
  }

  private void copyTokenizer(Path dir) {
    if (baseModelDir == null) return;
    try {
      for (String f : TOKENIZER_FILES) {
        Path src = baseModelDir.resolve(f);
        if (Files.isRegularFile(src) && !src.toAbsolutePath().equals(dir.resolve(f).toAbsolutePath())) {
          Files.copy(src, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy tokenizer files into " + dir + ": " + e.getMessage(), e);
    }
  }
}
