package dev.lathe.engine.model;

import dev.lathe.engine.nn.RopeSpec;
import dev.lathe.engine.tensor.DType;

/**
 * Named construction of a {@link DecoderSpec} in code (tests, benches, init-model, recipes), one entry per
 * family as torchtune's model builders do: the family fixes what its checkpoints always have (Qwen2's q/k/v
 * biases, Qwen3's q/k norms, Qwen's rope theta of 1e6) and the caller names only what it changes. A config.json
 * goes through {@link Architectures#spec} instead.
 */
public final class DecoderBuilder {
  private final String modelType;
  private final int vocabSize;
  private final int hiddenSize;
  private final int intermediateSize;
  private final int layers;
  private final int heads;
  private final int kvHeads;
  private int headDim;
  private int maxPositions = 2048;
  private double rmsEps = 1e-6;
  private RopeSpec rope;
  private boolean tieEmbeddings;
  private boolean qkvBias;
  private boolean outputBias;
  private boolean mlpBias;
  private boolean qkNorm;
  private int numLabels;
  private Integer padTokenId;
  private DType dtype = DType.F32;
  private Integer slidingWindow;

  private DecoderBuilder(String modelType, int vocabSize, int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads) {
    this.modelType = modelType;
    this.vocabSize = vocabSize;
    this.hiddenSize = hiddenSize;
    this.intermediateSize = intermediateSize;
    this.layers = layers;
    this.heads = heads;
    this.kvHeads = kvHeads;
    if (heads <= 0 || hiddenSize % heads != 0) {
      throw new IllegalArgumentException("hidden size " + hiddenSize + " must be a positive multiple of the head count " + heads);
    }
    this.headDim = hiddenSize / heads;
    boolean qwen = modelType.startsWith("qwen");
    this.rope = RopeSpec.plain(qwen ? 1_000_000.0 : 10_000.0);
    this.qkvBias = modelType.equals("qwen2");
    this.qkNorm = modelType.equals("qwen3");
  }

  /** The family by its config.json model_type: llama, mistral, qwen2 or qwen3. */
  public static DecoderBuilder of(String modelType, int vocabSize, int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads) {
    Architectures.of(modelType); // refuses an unknown family with the supported list
    return new DecoderBuilder(modelType, vocabSize, hiddenSize, intermediateSize, layers, heads, kvHeads);
  }

  public static DecoderBuilder llama(int vocabSize, int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads) {
    return of("llama", vocabSize, hiddenSize, intermediateSize, layers, heads, kvHeads);
  }

  public static DecoderBuilder mistral(int vocabSize, int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads) {
    return of("mistral", vocabSize, hiddenSize, intermediateSize, layers, heads, kvHeads);
  }

  public static DecoderBuilder qwen2(int vocabSize, int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads) {
    return of("qwen2", vocabSize, hiddenSize, intermediateSize, layers, heads, kvHeads);
  }

  public static DecoderBuilder qwen3(int vocabSize, int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads) {
    return of("qwen3", vocabSize, hiddenSize, intermediateSize, layers, heads, kvHeads);
  }

  public DecoderBuilder headDim(int v) { headDim = v; return this; }

  public DecoderBuilder maxPositions(int v) { maxPositions = v; return this; }

  public DecoderBuilder rmsEps(double v) { rmsEps = v; return this; }

  public DecoderBuilder rope(RopeSpec v) { rope = v; return this; }

  public DecoderBuilder tieEmbeddings(boolean v) { tieEmbeddings = v; return this; }

  public DecoderBuilder qkvBias(boolean v) { qkvBias = v; return this; }

  public DecoderBuilder outputBias(boolean v) { outputBias = v; return this; }

  public DecoderBuilder mlpBias(boolean v) { mlpBias = v; return this; }

  public DecoderBuilder qkNorm(boolean v) { qkNorm = v; return this; }

  /** A sequence classifier (reward model) with this many score outputs; 0 = causal LM. */
  public DecoderBuilder labels(int v) { numLabels = v; return this; }

  public DecoderBuilder padTokenId(Integer v) { padTokenId = v; return this; }

  public DecoderBuilder dtype(DType v) { dtype = v; return this; }

  public DecoderBuilder slidingWindow(Integer v) { slidingWindow = v; return this; }

  public DecoderSpec build() {
    return new DecoderSpec(modelType, vocabSize, hiddenSize, intermediateSize, layers, heads, kvHeads, headDim, maxPositions,
        rmsEps, rope, tieEmbeddings, qkvBias, outputBias, mlpBias, qkNorm, numLabels, padTokenId, dtype, slidingWindow);
  }
}
