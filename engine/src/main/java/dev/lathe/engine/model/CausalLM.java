package dev.lathe.engine.model;

import dev.lathe.engine.nn.Linear;
import dev.lathe.engine.tensor.Tensor;

/** Decoder + lm_head ([v, h]; the embedding matrix itself when embeddings are tied). */
public final class CausalLM extends LanguageModel {
  private final Linear lmHead;

  public CausalLM(DecoderSpec spec) {
    super(spec);
    lmHead = spec.tieEmbeddings() ? null : child("lm_head", new Linear(spec.hiddenSize(), spec.vocabSize(), false, spec.dtype()));
  }

  /** The output projection [v, h] (shared with embed_tokens when tied). */
  public Tensor lmHeadWeight() { return lmHead == null ? decoder().embedTokens().weight() : lmHead.weight(); }

  /** Logits [b, s, v]. Training code should prefer {@link #labelLogProbs}, which never builds them whole. */
  public Tensor logits(Inputs in) { return hidden(in).matmul(lmHeadWeight().t()); }

  /** Logits [b, v] of the last position only (generation). */
  public Tensor lastLogits(Inputs in) {
    Tensor h = hidden(in);
    return h.select(1, h.size(1) - 1).matmul(lmHeadWeight().t());
  }

  /** Per-token log-probs [b, s] of labels aligned with the positions (no shift inside); see {@link LogProbs}. */
  public LogProbs.Result labelLogProbs(Inputs in, Tensor labels, Tensor mask, int chunk) {
    return LogProbs.ofLabels(hidden(in), lmHeadWeight(), labels, mask, chunk);
  }

  @Override
  public String architecture() { return Architectures.of(spec().modelType()).causalLm(); }
}
