package dev.lathe.engine.train.methods;

import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.model.LogProbs;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;

/**
 * Per-token and per-sequence log-probs of n right-padded sequences from one forward, through the
 * chunked label log-prob path (never [n, s, v]). Position t of the [n, s-1] tensors scores token t+1.
 *
 * @param tokenLogps [n, s-1] log-probs of the completion tokens (of every real token after the first when
 *     scored with everyRealToken), 0 elsewhere
 * @param completionMask [n, s-1] 1 on completion tokens
 * @param realMask [n, s-1] 1 on every real token (ORPO's NLL counts the prompt too)
 * @param sums [n] summed completion log-probs, S(y)
 * @param counts [n] completion-token counts
 * @param logitSums [n] sum over completion tokens of the vocabulary-summed logits (TRL's logits metric)
 */
public record Scored(Tensor tokenLogps, Tensor completionMask, Tensor realMask, Tensor sums, Tensor counts, Tensor logitSums) {
  /** Default rows per chunk of the label log-prob op. */
  public static final int CHUNK = 1024;

  /** Log-probs of the completion tokens only (every other position of {@link #tokenLogps} is 0). */
  public static Scored of(CausalLM m, SeqTensors t) { return of(m, t, false); }

  /**
   * @param everyRealToken also score the prompt tokens (ORPO's NLL counts them); otherwise only the
   *     completion tokens go through the output layer, the prompt's log-probs are 0
   */
  public static Scored of(CausalLM m, SeqTensors t, boolean everyRealToken) {
    long s = t.length();
    // Every op result belongs to the innermost scope, so the decoder's per-layer intermediates would
    // stay alive until the step ends; an inner scope frees them here (autograd keeps what backward
    // needs on its own). This took a 50M-model DPO step from +3.4 GB to about a third of that.
    try (Scope sc = Scope.open()) {
      long n = t.rows();
      long len = s - 1;
      Tensor real = t.attention().narrow(1, 1, len);
      Tensor comp = t.completion().narrow(1, 1, len);
      ScoredTokens st = ScoredTokens.of(m, t, everyRealToken);
      Tensor logps;
      Tensor logitSums;
      if (st.count() == 0) { // nothing to score: zeros that still hang on the graph (backward stays valid)
        logps = Tensors.zeros(n, len).add(st.hidden().sum().toFloat());
        logitSums = Tensors.zeros(n, len);
      } else {
        // the scored tokens in one [1, N, h] row through the output layer, scattered back into the [n, s-1] frame
        LogProbs.Result r = LogProbs.ofLabels(st.hidden().unsqueeze(0), m.lmHeadWeight(), st.labels().unsqueeze(0), null, CHUNK);
        logps = Tensors.zeros(n * len).indexAdd(0, st.flat(), r.logps().reshape(-1)).view(n, len);
        logitSums = Tensors.zeros(n * len).indexAdd(0, st.flat(), r.logitSums().reshape(-1)).view(n, len);
      }
      Tensor compLogps = logps.mul(comp);
      return new Scored(sc.keep(logps), sc.keep(comp), sc.keep(real), sc.keep(compLogps.sum(1, false)),
          sc.keep(comp.sum(1, false)), sc.keep(logitSums.mul(comp).sum(1, false)));
    }
  }

  /** Completion log-probs [rows, s-1] of a row range (masked positions are 0). */
  public Tensor completionLogps(long from, long count) {
    return tokenLogps.narrow(0, from, count).mul(completionMask.narrow(0, from, count));
  }

  /** Mean logit over (completion token x vocabulary) of a row range, or null when it has no completion token. */
  public Double logitsMean(long from, long count, long vocab) {
    double tokens = counts.narrow(0, from, count).sum().item();
    return tokens > 0 ? logitSums.narrow(0, from, count).sum().item() / (tokens * vocab) : null;
  }
}
