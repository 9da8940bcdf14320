package dev.lathe.engine.model;

import dev.lathe.engine.nn.AttentionSpec;
import dev.lathe.engine.nn.RopeSpec;
import dev.lathe.engine.tensor.DType;

/**
 * Everything a builder needs to make a Llama-family decoder, with the architecture's choices
 * already resolved (which projections carry biases, whether q/k are normalised). Made from a
 * config.json by {@link Architectures}, or directly in code for tests and init-model.
 *
 * @param numLabels 0 for a causal LM, the number of score outputs for a classifier
 * @param padTokenId used by the classifier to find the last real token when no mask is given
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
    DType dtype) {

  public AttentionSpec attention() {
    return new AttentionSpec(hiddenSize, heads, kvHeads, headDim, qkvBias, outputBias, qkNorm ? rmsEps : null);
  }

  public DecoderSpec withDtype(DType dt) {
    return new DecoderSpec(modelType, vocabSize, hiddenSize, intermediateSize, layers, heads, kvHeads, headDim,
        maxPositions, rmsEps, rope, tieEmbeddings, qkvBias, outputBias, mlpBias, qkNorm, numLabels, padTokenId, dt);
  }

  public DecoderSpec withLabels(int n) {
    return new DecoderSpec(modelType, vocabSize, hiddenSize, intermediateSize, layers, heads, kvHeads, headDim,
        maxPositions, rmsEps, rope, tieEmbeddings, qkvBias, outputBias, mlpBias, qkNorm, n, padTokenId, dtype);
  }
}
