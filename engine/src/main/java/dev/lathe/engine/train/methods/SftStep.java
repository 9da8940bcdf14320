package dev.lathe.engine.train.methods;

import dev.lathe.engine.align.Nll;
import dev.lathe.engine.data.EncodedExample;
import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.train.BatchSource;
import dev.lathe.engine.train.PhaseTimer;
import dev.lathe.engine.train.StepFunction;
import dev.lathe.engine.train.StepOutput;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Supervised fine-tuning (a warm-up before preference training): token-mean cross-entropy of the
 * first completion of each example (the chosen answer), prompt tokens masked out.
 */
public final class SftStep implements StepFunction<SeqTensors> {
  private final CausalLM model;

  public SftStep(CausalLM model) { this.model = model; }

  @Override
  public StepOutput compute(SeqTensors seqs, PhaseTimer timer) {
    Scored s = Scored.of(model, seqs);
    Tensor nll = Nll.tokenMean(s.tokenLogps().mul(s.completionMask()), s.completionMask());
    return new StepOutput(nll, Map.of("nll_loss", nll.item()));
  }

  /** prompt + first completion of each example, right-padded. */
  public static BatchSource<SeqTensors> source(List<EncodedExample> xs, int padId) {
    return new BatchSource<>() {
      public int size() { return xs.size(); }

      public SeqTensors batch(int[] rows) {
        int s = 0;
        for (int r : rows) s = Math.max(s, xs.get(r).prompt().length + xs.get(r).completions()[0].length);
        long[] ids = new long[rows.length * s];
        Arrays.fill(ids, padId);
        byte[] attn = new byte[ids.length], label = new byte[ids.length];
        for (int i = 0; i < rows.length; i++) {
          EncodedExample e = xs.get(rows[i]);
          int off = i * s, k = 0;
          for (int t : e.prompt()) { ids[off + k] = t; attn[off + k++] = 1; }
          for (int t : e.completions()[0]) { ids[off + k] = t; attn[off + k] = 1; label[off + k++] = 1; }
        }
        return SeqTensors.of(ids, attn, label, rows.length, s);
      }

      public long tokens(SeqTensors b) { return (long) b.attention().sum().item(); }
    };
  }
}
