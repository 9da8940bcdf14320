package dev.lathe.engine.model;

import dev.lathe.engine.io.ModelConfig;
import dev.lathe.engine.io.RopeScaling;
import dev.lathe.engine.nn.RopeSpec;
import dev.lathe.engine.tensor.DType;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The supported Llama-family model types and their HF class names. SmolLM and TinyLlama are
 * model_type "llama". Qwen2 puts biases on q/k/v; Qwen3 normalises q and k per head; the
 * builder choices are made when a config becomes a {@link DecoderSpec}.
 */
public final class Architectures {
  /** One family: its model_type and the HF class names it saves as. */
  public record Family(String modelType, String causalLm, String sequenceClassification) {}

  private static final Map<String, Family> FAMILIES = new TreeMap<>(Map.of(
      "llama", new Family("llama", "LlamaForCausalLM", "LlamaForSequenceClassification"),
      "mistral", new Family("mistral", "MistralForCausalLM", "MistralForSequenceClassification"),
      "qwen2", new Family("qwen2", "Qwen2ForCausalLM", "Qwen2ForSequenceClassification"),
      "qwen3", new Family("qwen3", "Qwen3ForCausalLM", "Qwen3ForSequenceClassification")));

  private Architectures() {}

  public static List<String> supported() { return List.copyOf(FAMILIES.keySet()); }

  public static Family of(String modelType) {
    Family f = FAMILIES.get(modelType);
    if (f == null) {
      throw new IllegalArgumentException("unsupported model_type '" + modelType + "': Lathe supports " + supported()
          + " (SmolLM and TinyLlama are llama)");
    }
    return f;
  }

  /** The builder's view of a config.json; parameters are created in dtype. */
  public static DecoderSpec spec(ModelConfig c, DType dtype) {
    of(c.modelType());
    refuseLayerWindows(c);
    if (!c.hiddenAct().equals("silu")) {
      throw new IllegalArgumentException("config.json: hidden_act '" + c.hiddenAct() + "' is not supported (Llama-family MLPs use silu)");
    }
    return new DecoderSpec(c.modelType(), c.vocabSize(), c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(),
        c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(), c.maxPositionEmbeddings(), c.rmsNormEps(),
        rope(c), c.tieWordEmbeddings(), c.qkvBias(), c.outputBias(), c.mlpBias(), c.qkNorm(),
        isClassifier(c.architectures()) ? Math.max(1, c.numLabels()) : 0, c.padTokenId(), dtype,
        // only Mistral applies sliding_window unconditionally (Qwen2 gates it behind use_sliding_window)
        c.modelType().equals("mistral") ? c.slidingWindow() : null);
  }

  /**
   * Qwen2/Qwen3's use_sliding_window: true gives sliding-window attention to the layers from
   * max_window_layers on (transformers' layer_types) and full attention below. Lathe's decoder applies
   * one mask to every layer, so a config where some layers would slide is refused rather than run with
   * full attention in silence; when max_window_layers covers every layer, no layer slides and it loads.
   */
  private static void refuseLayerWindows(ModelConfig c) {
    if (c.modelType().equals("mistral") || !Boolean.TRUE.equals(c.extra().get("use_sliding_window"))) return;
    Object m = c.extra().get("max_window_layers");
    int maxWindowLayers = m instanceof Number n ? n.intValue() : 28; // Qwen2Config's default
    if (c.slidingWindow() != null && maxWindowLayers < c.numHiddenLayers()) {
      throw new IllegalArgumentException("config.json: use_sliding_window: true with max_window_layers " + maxWindowLayers
          + " < num_hidden_layers " + c.numHiddenLayers() + " gives layers " + maxWindowLayers + ".." + (c.numHiddenLayers() - 1)
          + " sliding-window attention (window " + c.slidingWindow() + "), which Lathe does not implement per layer for "
          + c.modelType() + "; expected use_sliding_window: false (as Qwen's released checkpoints set it)");
    }
  }

  private static RopeSpec rope(ModelConfig c) {
    RopeScaling r = c.ropeScaling();
    if (r == null) return RopeSpec.plain(c.ropeTheta());
    if (r.type().equals("linear")) return RopeSpec.linear(c.ropeTheta(), r.factor());
    return RopeSpec.llama3(c.ropeTheta(), r.factor(), r.lowFreqFactor(), r.highFreqFactor(), r.originalMaxPositionEmbeddings());
  }

  /** Whether an HF architectures entry names a sequence classifier (reward model). */
  public static boolean isClassifier(List<String> architectures) {
    return architectures.stream().anyMatch(a -> a.endsWith("ForSequenceClassification"));
  }
}
