package dev.lathe.engine.model;

import dev.lathe.engine.nn.AttentionSpec;
import dev.lathe.engine.nn.RopeSpec;
import dev.lathe.engine.tensor.DType;

/**
 * Everything a builder needs to make a Llama-family decoder, with the architecture's choices
 * already resolved (which projections carry biases, whether q/k are normalised). Made from a
 * config.json by {@link Architectures}; in code (tests, benches, init-model) through the per-family
 * {@link DecoderBuilder}, never by its positional constructor.
 *
 * @param numLabels 0 for a causal LM, the number of score outputs for a classifier
 * @param padTokenId used by the classifier to find the last real token when no mask is given
 * @param slidingWindow Mistral's sliding_window: a query sees at most this many latest keys
 *     (itself included); null = full causal attention
 */
public record DecoderSpec(
    String modelType,
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int layers,
    int heads,
    int kvHeads,
    int headDim,
    int maxPositions,
    double rmsEps,
    RopeSpec rope,
    boolean tieEmbeddings,
    boolean qkvBias,
    boolean outputBias,
    boolean mlpBias,
    boolean qkNorm,
    int numLabels,
    Integer padTokenId,
    DType dtype,
    Integer slidingWindow) {

  public DecoderSpec {
    if (slidingWindow != null && slidingWindow < 1) {
      throw new IllegalArgumentException("sliding_window must be at least 1 (or null), got " + slidingWindow);
    }
  }

  public AttentionSpec attention() {
    return new AttentionSpec(hiddenSize, heads, kvHeads, headDim, qkvBias, outputBias, qkNorm ? rmsEps : null);
  }

  public DecoderSpec withDtype(DType dt) {
    return new DecoderSpec(modelType, vocabSize, hiddenSize, intermediateSize, layers, heads, kvHeads, headDim,
        maxPositions, rmsEps, rope, tieEmbeddings, qkvBias, outputBias, mlpBias, qkNorm, numLabels, padTokenId, dt, slidingWindow);
  }

  public DecoderSpec withSlidingWindow(Integer w) {
    return new DecoderSpec(modelType, vocabSize, hiddenSize, intermediateSize, layers, heads, kvHeads, headDim,
        maxPositions, rmsEps, rope, tieEmbeddings, qkvBias, outputBias, mlpBias, qkNorm, numLabels, padTokenId, dtype, w);
  }

  public DecoderSpec withLabels(int n) {
    return new DecoderSpec(modelType, vocabSize, hiddenSize, intermediateSize, layers, heads, kvHeads, headDim,
        maxPositions, rmsEps, rope, tieEmbeddings, qkvBias, outputBias, mlpBias, qkNorm, n, padTokenId, dtype, slidingWindow);
  }
}
