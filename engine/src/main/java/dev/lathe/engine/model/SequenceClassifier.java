package dev.lathe.engine.model;

import dev.lathe.engine.nn.Linear;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;

/**
 * Decoder + score head [labels, h] without bias (HF's *ForSequenceClassification; a reward
 * model has one label). The score is read at each row's last non-padding token: the rightmost
 * position whose mask is 1 (or whose id is not the pad id), HF's rule, so left padding works.
 */
public final class SequenceClassifier extends LanguageModel {
  private final Linear score;

  public SequenceClassifier(DecoderSpec spec) {
    super(spec);
    if (spec.numLabels() <= 0) throw new IllegalArgumentException("a sequence classifier needs num_labels >= 1");
    score = child("score", new Linear(spec.hiddenSize(), spec.numLabels(), false, spec.dtype()));
  }

  public Linear score() { return score; }

  /** Scores [b, labels] at each row's last real token. */
  public Tensor scores(Inputs in) {
    Tensor h = hidden(in); // [b, s, h]
    Tensor last = lastTokenIndex(in); // [b]
    Tensor idx = last.view(-1, 1, 1).expand(h.size(0), 1, h.size(2));
    return score.forward(h.gather(1, idx).squeeze(1));
  }

  /** Rightmost index with mask 1 (or id != pad id); s - 1 when neither is known. */
  Tensor lastTokenIndex(Inputs in) {
    long b = in.batch();
    long s = in.length();
    Tensor real;
    if (in.attentionMask() != null) {
      real = in.attentionMask().narrow(1, in.attentionMask().size(1) - s, s).ne(0.0);
    } else if (spec().padTokenId() != null) {
      real = in.ids().ne(spec().padTokenId());
    } else {
      return Tensors.full(new long[]{b}, s - 1, dev.lathe.engine.tensor.DType.I64);
    }
    return Tensors.arange(s).unsqueeze(0).mul(real.toLong()).argmax(1, false);
  }

  @Override
  public String architecture() { return Architectures.of(spec().modelType()).sequenceClassification(); }
}
