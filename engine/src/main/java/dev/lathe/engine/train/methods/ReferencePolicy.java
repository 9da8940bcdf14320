package dev.lathe.engine.train.methods;

import dev.lathe.engine.align.AlignLoss;
import dev.lathe.engine.data.EncodedExample;
import java.nio.file.Path;
import java.util.List;

/**
 * The one policy for which reference a run uses and where precomputed reference log-probs are cached:
 * the YAML binder and the recipe DSL both call it, so a recipe never reuses a stale cache a config
 * would have recomputed (the DSL once keyed every run "precomputed").
 */
public final class ReferencePolicy {
  private ReferencePolicy() {}

  /**
   * None for reference-free losses; precomputed when asked; the policy with adapters off when it has
   * LoRA (unless a separate copy is asked for, e.g. rl_adapter_ref_model); a frozen copy otherwise.
   */
  public static ReferenceKind choose(AlignLoss loss, boolean lora, boolean precompute, boolean separateCopy) {
    if (loss.isReferenceFree()) return ReferenceKind.NONE;
    if (precompute) return ReferenceKind.PRECOMPUTED;
    if (lora && !separateCopy) return ReferenceKind.ADAPTER_DISABLED;
    return ReferenceKind.FROZEN_COPY;
  }

  /** $LATHE_CACHE/ref_logps (or the lathe.cache system property), else ~/.cache/lathe/ref_logps. */
  public static Path cacheDir() {
    String root = System.getProperty("lathe.cache");
    if (root == null) root = System.getenv("LATHE_CACHE");
    if (root == null) root = System.getProperty("user.home") + "/.cache/lathe";
    return Path.of(root, "ref_logps");
  }

  /**
   * The key: the base model's files by content, the tokenizer's, every example's token ids (data,
   * template and length cuts already applied) and the settings that change the numbers.
   */
  public static String cacheKey(Path baseModel, Path tokenizerDir, int sequenceLen, boolean bf16, boolean lora, List<EncodedExample> rows) {
    return new RefCacheKey().folder("model", baseModel).folder("tokenizer", tokenizerDir)
        .text("sequence_len=" + sequenceLen + " bf16=" + bf16 + " lora=" + lora).examples(rows).hex();
  }
}
