package dev.lathe.engine.train.methods;

import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.model.Inputs;
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
      Tensor hidden = m.hidden(Inputs.padded(t.ids(), t.attention())); // [n, s, h]
      Tensor real = t.attention().narrow(1, 1, s - 1);
      Tensor comp = t.completion().narrow(1, 1, s - 1);
      LogProbs.Result r = scoredOnly(hidden.narrow(1, 0, s - 1), m.lmHeadWeight(), t.ids().narrow(1, 1, s - 1), everyRealToken ? real : comp);
      Tensor compLogps = r.logps().mul(comp);
      return new Scored(sc.keep(r.logps()), sc.keep(comp), sc.keep(real), sc.keep(compLogps.sum(1, false)),
          sc.keep(comp.sum(1, false)), sc.keep(r.logitSums().mul(comp).sum(1, false)));
    }
  }

  /**
   * Label log-probs [n, s-1] computed only where need [n, s-1] is 1: those positions are gathered into one
   * [1, N, h] row for the output layer, and the results scattered back (0 elsewhere). The output layer is
   * the largest matmul of a small model (v x h per token), and TRL-style full-row scoring spends it on
   * prompt and padding positions whose log-probs DPO never reads. Values equal the full-row op's.
   */
  private static LogProbs.Result scoredOnly(Tensor hidden, Tensor weight, Tensor labels, Tensor need) {
    long n = hidden.size(0);
    long len = hidden.size(1);
    Tensor idx = need.reshape(-1).nonzero().reshape(-1); // [N] flat positions to score
    if (idx.size(0) == 0) return LogProbs.ofLabels(hidden, weight, labels, need, CHUNK);
    Tensor h = hidden.reshape(n * len, hidden.size(2)).indexSelect(0, idx).unsqueeze(0); // [1, N, h]
    Tensor lab = labels.reshape(-1).indexSelect(0, idx).unsqueeze(0); // [1, N]
    LogProbs.Result r = LogProbs.ofLabels(h, weight, lab, null, CHUNK);
    Tensor zeros = Tensors.zeros(n * len);
    return new LogProbs.Result(zeros.indexAdd(0, idx, r.logps().reshape(-1)).view(n, len),
        zeros.indexAdd(0, idx, r.logitSums().reshape(-1)).view(n, len), zeros.indexAdd(0, idx, r.entropy().reshape(-1)).view(n, len));
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
