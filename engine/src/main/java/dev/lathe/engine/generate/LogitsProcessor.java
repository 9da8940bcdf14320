package dev.lathe.engine.generate;

import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;

/**
 * Turns next-token logits [n, v] into the distribution sampled from, in HF's order:
 * repetition penalty, temperature, top-k, top-p, min-p. Filtered tokens get -inf.
 */
public final class LogitsProcessor {
  private LogitsProcessor() {}

  /** @param history [n, t] ids seen so far in each row (prompt and generated), for the penalty */
  public static Tensor apply(Tensor logits, Tensor history, Sampling s) {
    Tensor x = logits.toFloat();
    if (s.repetitionPenalty() != 1) x = repetitionPenalty(x, history, s.repetitionPenalty());
    if (s.greedy()) return x;
    if (s.temperature() != 1) x = x.div(s.temperature());
    if (s.topK() > 0 && s.topK() < x.size(1)) x = topK(x, s.topK());
    if (s.topP() < 1) x = topP(x, s.topP());
    if (s.minP() > 0) x = minP(x, s.minP());
    return x;
  }

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
