package dev.lathe.engine.generate;

import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;

/**
 * Turns next-token logits [n, v] into the distribution sampled from, in HF's order:
 * repetition penalty, temperature, top-k, top-p, min-p. Filtered tokens get -inf.
 *
 * <p>Every filter keeps "the tokens whose processed logit is at or above some value", so the
 * kept set of a row is described by one number, its threshold tau: the midpoint between the
 * smallest kept and the largest dropped processed logit (-inf when nothing is dropped). The
 * trainer passes tau to {@code LogProbs.ofLabels} and renormalises over the same set; the
 * midpoint leaves room for the few-ulp differences between the sampler's and the trainer's
 * matmuls. The returned logits are re-masked as exactly {x >= tau}, so at exact ties (which
 * HF's top-p may split) both sides agree by construction.
 */
public final class LogitsProcessor {
  private LogitsProcessor() {}

  /** Processed logits [n, v] and each row's kept-set threshold tau [n] (float32). */
  public record Processed(Tensor logits, Tensor threshold) {}

  /** @param history [n, t] ids seen so far in each row (prompt and generated), for the penalty */
  public static Tensor apply(Tensor logits, Tensor history, Sampling s) {
    return process(logits, history, s).logits();
  }

  /**
   * As {@link #apply}, with the thresholds. With a repetition penalty the kept set lives in the
   * penalised space, which the trainer cannot reproduce from a threshold on its own logits: tau is
   * then -inf (see {@link Sampling#trainerReproducible()}).
   */
  public static Processed process(Tensor logits, Tensor history, Sampling s) {
    Tensor x = logits.toFloat();
    if (s.repetitionPenalty() != 1) x = repetitionPenalty(x, history, s.repetitionPenalty());
    if (!s.greedy() && s.temperature() != 1) x = x.div(s.temperature());
    boolean filters = !s.greedy() && ((s.topK() > 0 && s.topK() < x.size(1)) || s.topP() < 1 || s.minP() > 0);
    if (!filters) return new Processed(x, noThreshold(x.size(0)));
    Tensor f = x;
    if (s.topK() > 0 && s.topK() < f.size(1)) f = topK(f, s.topK());
    if (s.topP() < 1) f = topP(f, s.topP());
    if (s.minP() > 0) f = minP(f, s.minP());
    Tensor kept = f.isfinite();
    Tensor minKept = x.maskedFill(kept.logicalNot(), Double.POSITIVE_INFINITY).min(1, false)[0];
    Tensor maxDropped = x.maskedFill(kept, Double.NEGATIVE_INFINITY).max(1, false)[0];
    Tensor tau = minKept.add(maxDropped).mul(0.5); // -inf when nothing was dropped
    Tensor out = x.maskedFill(x.lt(tau.unsqueeze(1)), Double.NEGATIVE_INFINITY);
    if (s.repetitionPenalty() != 1) tau = noThreshold(x.size(0));
    return new Processed(out, tau);
  }

  private static Tensor noThreshold(long n) {
    return Tensors.full(new long[]{n}, Double.NEGATIVE_INFINITY, DType.F32);
  }

  /**
   * The top-k path of the sampler: the k+1 largest processed logits carry everything the filters
   * need (top-p and min-p only ever drop more of the top k), so after one topk over the vocabulary
   * nothing full-vocabulary remains. values [n, k+1] are the processed logits (-inf where dropped),
   * ids their token ids, threshold as in {@link #process}. Null when top-k is off or greedy.
   */
  public static Candidates candidates(Tensor logits, Tensor history, Sampling s) {
    int k = s.topK();
    if (s.greedy() || k <= 0 || k + 1 >= logits.size(1)) return null;
    Tensor x = logits.toFloat();
    if (s.repetitionPenalty() != 1) x = repetitionPenalty(x, history, s.repetitionPenalty());
    if (s.temperature() != 1) x = x.div(s.temperature());
    Tensor[] top = x.topk(k + 1, 1, true); // descending
    Tensor vals = top[0];
    Tensor kept = vals.ge(vals.narrow(1, k - 1, 1)); // HF's top-k: everything >= the k-th value
    if (s.topP() < 1) {
      // HF's top-p over what top-k left: ascending, drop while the cumulative mass is <= 1 - p, never the max
      Tensor asc = vals.maskedFill(kept.logicalNot(), Double.NEGATIVE_INFINITY).flip(1);
      Tensor remove = asc.softmax(1).cumsum(1).le(1 - s.topP());
      remove.narrow(1, k, 1).fill_(0);
      kept = kept.logicalAnd(remove.flip(1).logicalNot());
    }
    if (s.minP() > 0) kept = kept.logicalAnd(vals.ge(vals.narrow(1, 0, 1).add(Math.log(s.minP())))); // p >= minP * p_max
    Tensor dropped = kept.logicalNot();
    dropped.narrow(1, k, 1).fill_(1); // the (k+1)-th stands for every token below it (kept only on a tie)
    Tensor minKept = vals.maskedFill(dropped, Double.POSITIVE_INFINITY).min(1, false)[0];
    Tensor maxDropped = vals.maskedFill(dropped.logicalNot(), Double.NEGATIVE_INFINITY).max(1, false)[0];
    Tensor tau = minKept.add(maxDropped).mul(0.5);
    Tensor out = vals.maskedFill(vals.lt(tau.unsqueeze(1)), Double.NEGATIVE_INFINITY);
    if (s.repetitionPenalty() != 1) tau = noThreshold(x.size(0));
    return new Candidates(out, top[1], tau);
  }

  /** The sampler's candidates on the top-k path: values/ids [n, k+1], threshold [n]. */
  public record Candidates(Tensor values, Tensor ids, Tensor threshold) {}

  static Tensor repetitionPenalty(Tensor x, Tensor history, double penalty) {
    Tensor seen = x.gather(1, history); // [n, t]
    Tensor penalised = Tensors.where(seen.lt(0.0), seen.mul(penalty), seen.div(penalty));
    return x.scatter(1, history, penalised);
  }

  static Tensor topK(Tensor x, int k) {
    Tensor kth = x.topk(k, 1, true)[0].narrow(1, k - 1, 1); // [n, 1]
    return x.maskedFill(x.lt(kth), Double.NEGATIVE_INFINITY);
  }

  // smallest set of most likely tokens whose probability reaches p (at least one token kept)
  static Tensor topP(Tensor x, double p) {
    Tensor[] sorted = x.sort(1, false); // ascending
    Tensor cum = sorted[0].softmax(1).cumsum(1);
    Tensor remove = cum.le(1 - p);
    remove.narrow(1, x.size(1) - 1, 1).fill_(0); // never drop the most likely token
    Tensor removeOrig = remove.scatter(1, sorted[1], remove);
    return x.maskedFill(removeOrig, Double.NEGATIVE_INFINITY);
  }

  static Tensor minP(Tensor x, double minP) {
    Tensor probs = x.softmax(1);
    Tensor top = probs.max(1, true)[0];
    return x.maskedFill(probs.lt(top.mul(minP)), Double.NEGATIVE_INFINITY);
  }
}
