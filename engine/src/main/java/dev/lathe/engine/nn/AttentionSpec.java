package dev.lathe.engine.nn;

/**
 * Shape of one attention block. qkNormEps is null unless q and k are RMS-normalised per head
 * (Qwen3); qkvBias puts a bias on q, k, v (Qwen2), outputBias on o_proj.
 */
public record AttentionSpec(long hidden, int heads, int kvHeads, int headDim, boolean qkvBias, boolean outputBias,
    Double qkNormEps) {}
