package dev.lathe.engine.train.grpo;

import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.model.Inputs;
import dev.lathe.engine.model.LogProbs;
import dev.lathe.engine.nn.AttentionMask;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;

/**
 * Per-token completion log-probs [b, c] of a GRPO batch under a model, through the chunked label op
 * (never [b, s, v]). The sampling temperature T is applied by scaling the hidden states (h / T gives
 * logits / T: the lm_head has no bias), so sampler, old policy, reference and loss share one
 * distribution. Positions come from the attention mask, as in the sampler's left-padded prefill.
 */
public final class TokenLogps {
  /** Rows per chunk of the label log-prob op. */
  public static final int CHUNK = 1024;

  private TokenLogps() {}

  /** [b, c] log-probs (with grad when enabled) and [b, c] entropies of the same distribution (no grad). */
  public record Result(Tensor logps, Tensor entropy) {}

  public static Tensor of(CausalLM m, GrpoBatch b, double temperature) { return withEntropy(m, b, temperature).logps(); }

  /**
   * With the sampler's kept-set thresholds in the batch, the softmax runs over the tokens the sampler
   * could draw (top-k/p, min-p), so trainer and sampler share the processed distribution exactly.
   */
  public static Result withEntropy(CausalLM m, GrpoBatch b, double temperature) {
    try (Scope sc = Scope.open()) { // frees the decoder's intermediates here (autograd keeps what backward needs)
      Tensor hidden = m.hidden(new Inputs(b.ids(), b.attention(), AttentionMask.positionsFromMask(b.attention()), null, null));
      long c = b.completionIds().size(1);
      Tensor h = hidden.narrow(1, b.promptLength() - 1, c); // [b, c, h]: predicts the completion tokens
      if (temperature != 1.0) h = h.div(temperature);
      LogProbs.Result r = LogProbs.ofLabels(h, m.lmHeadWeight(), b.completionIds(), b.real(), b.thresholds(), CHUNK);
      return new Result(sc.keep(r.logps()), sc.keep(r.entropy()));
    }
  }
}
