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
