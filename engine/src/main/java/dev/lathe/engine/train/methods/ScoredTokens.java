package dev.lathe.engine.train.methods;

import dev.lathe.engine.data.PackedBatch;
import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.model.Inputs;
import dev.lathe.engine.nn.AttentionMask;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;

/**
 * The tokens a step scores, from one forward of the policy (or reference) in the batch's layout: only
 * these go through the output layer, the largest matmul of a small model, which TRL-style full-row
 * scoring also spends on prompt and padding positions whose log-probs DPO never reads.
 *
 * @param hidden [N, h] final hidden states of the positions that predict the scored tokens
 * @param labels [N] the scored tokens' ids
 * @param sequence [N] their row of the padded [n, s] frame, sorted (rows 0..b-1 chosen, then rejected)
 * @param flat [N] their index in the flattened shifted [n, s-1] frame (column t scores token t+1)
 */
record ScoredTokens(Tensor hidden, Tensor labels, Tensor sequence, Tensor flat) {
  /** @param everyRealToken score the prompt tokens too (ORPO's NLL counts them), not only the completion tokens */
  static ScoredTokens of(CausalLM m, SeqTensors t, boolean everyRealToken) {
    return t.packed() == null ? padded(m, t, everyRealToken) : packed(m, t.packed(), t.length(), everyRealToken);
  }

  long count() { return labels.size(0); }

  private static ScoredTokens padded(CausalLM m, SeqTensors t, boolean everyRealToken) {
    long n = t.rows();
    long s = t.length();
    Tensor hidden = m.hidden(Inputs.padded(t.ids(), t.attention())); // [n, s, h]
    Tensor need = (everyRealToken ? t.attention() : t.completion()).narrow(1, 1, s - 1);
    Tensor idx = need.reshape(-1).nonzero().reshape(-1); // [N] flat positions, sorted by row
    Tensor h = hidden.narrow(1, 0, s - 1).reshape(n * (s - 1), hidden.size(2)).indexSelect(0, idx);
    Tensor lab = t.ids().narrow(1, 1, s - 1).reshape(-1).indexSelect(0, idx);
    Tensor seq = Tensors.arange(n).unsqueeze(1).expand(n, s - 1).reshape(-1).indexSelect(0, idx);
    return new ScoredTokens(h, lab, seq, idx);
  }

  /** One [1, T] forward with span attention; s is the padded frame's length. */
  private static ScoredTokens packed(CausalLM m, PackedBatch p, long s, boolean everyRealToken) {
    int total = p.totalTokens();
    AttentionMask mask = AttentionMask.ofSpans(p.positionIds(), p.spans(), m.spec().slidingWindow());
    Inputs in = new Inputs(Tensors.of(p.inputIds(), 1, total), null, Tensors.of(p.positionIds(), 1, total), null, null);
    Tensor hidden = m.decoder().forward(in, mask, null, null); // [1, T, h]
    int n = 0;
    for (boolean c : p.completion()) if (everyRealToken || c) n++;
    long[] pred = new long[n];
    long[] lab = new long[n];
    long[] seq = new long[n];
    long[] flat = new long[n];
    for (int k = 0, j = 0; k < p.labels().length; k++) {
      if (!everyRealToken && !p.completion()[k]) continue;
      pred[j] = p.predictor()[k];
      lab[j] = p.labels()[k];
      seq[j] = p.sequence()[k];
      flat[j] = p.sequence()[k] * (s - 1) + p.column()[k];
      j++;
    }
    Tensor h = hidden.reshape(total, hidden.size(2)).indexSelect(0, Tensors.of(pred));
    return new ScoredTokens(h, Tensors.of(lab), Tensors.of(seq), Tensors.of(flat));
  }
}
