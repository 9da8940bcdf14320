package dev.lathe.engine.generate;

import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.model.Inputs;
import dev.lathe.engine.model.KvCache;
import dev.lathe.engine.nn.AttentionMask;
import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Runtime;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import dev.lathe.engine.text.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Batched generation: prompts are left-padded into one batch, prefilled once, and the KV cache
 * is expanded so numSamples completions per prompt share that prefill. Each step runs one token
 * per row; finished rows are fed padding until every row is done or maxNewTokens is reached.
 */
public final class Generator {
  private final CausalLM model;
  private final Tokenizer tokenizer;
  private final long padId;

  /** tokenizer may be null (no text, no stop strings); padId fills the left padding. */
  public Generator(CausalLM model, Tokenizer tokenizer, long padId) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.padId = padId;
  }

  /** Completions ordered prompt by prompt, numSamples each (policy version 0). */
  public List<Completion> generate(List<int[]> prompts, Sampling s) { return generate(prompts, s, 0); }

  /** As above; every completion carries policyVersion (the caller's tag of the current weights). */
  public List<Completion> generate(List<int[]> prompts, Sampling s, long policyVersion) {
    if (prompts.isEmpty()) return List.of();
    for (int[] p : prompts) if (p.length == 0) throw new IllegalArgumentException("empty prompt: generation needs at least one token");
    boolean wasTraining = model.isTraining();
    model.train(false);
    try (var g = Grad.disabled(); Scope outer = Scope.open()) {
      if (s.seed() != null) Runtime.seed(s.seed());
      return run(prompts, s, policyVersion);
    } finally {
      model.train(wasTraining);
    }
  }

  private List<Completion> run(List<int[]> prompts, Sampling s, long version) {
    int b = prompts.size();
    int n = s.numSamples();
    int longest = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
    Tensor[] batch = leftPad(prompts, longest);
    Tensor ids = batch[0];
    Tensor mask = batch[1];
    KvCache cache = s.useCache() ? KvCache.allocate(model.spec(), b, longest + s.maxNewTokens(), model.lmHeadWeight().dtype()) : null;
    try {
      Tensor logits = model.lastLogits(new Inputs(ids, mask, AttentionMask.positionsFromMask(mask), null, cache)); // [b, v]
      if (n > 1) {
        if (cache != null) {
          KvCache wide = cache.expand(n);
          cache.close();
          cache = wide;
        }
        logits = logits.repeatInterleave(n, 0);
        ids = ids.repeatInterleave(n, 0);
        mask = mask.repeatInterleave(n, 0);
      }
      List<RowState> rows = new ArrayList<>();
      for (int i = 0; i < b * n; i++) rows.add(new RowState());
      decode(rows, logits, ids, mask, cache, s);
      List<Completion> out = new ArrayList<>();
      for (int i = 0; i < rows.size(); i++) out.add(rows.get(i).complete(i / n, i % n, prompts.get(i / n), version, tokenizer));
      return out;
    } finally {
      if (cache != null) cache.close();
    }
  }

  // the step loop; each step's temporaries die with its scope, the carried state is kept
  private void decode(List<RowState> rows, Tensor logits, Tensor history, Tensor mask, KvCache cache, Sampling s) {
    int rowsN = rows.size();
    for (int step = 0; step < s.maxNewTokens(); step++) {
      try (Scope st = Scope.open()) {
        LogitsProcessor.Processed p = LogitsProcessor.process(logits, history, s);
        Tensor processed = p.logits();
        Tensor next = s.greedy() ? processed.argmax(1, false)
            : Tensors.multinomial(processed.softmax(1), 1, false).squeeze(1);
        Tensor lp = processed.logSoftmax(1).gather(1, next.unsqueeze(1)).squeeze(1);
        long[] nextIds = next.toLongArray();
        float[] lps = lp.toFloatArray();
        float[] taus = p.threshold().toFloatArray();
        boolean all = true;
        for (int i = 0; i < rowsN; i++) {
          RowState r = rows.get(i);
          if (r.done()) nextIds[i] = padId;
          else r.add((int) nextIds[i], lps[i], taus[i], s, tokenizer);
          all &= r.done();
        }
        if (all || step == s.maxNewTokens() - 1) return;
        Tensor fed = Tensors.of(nextIds, rowsN, 1);
        Tensor newMask = Tensors.cat(List.of(mask, Tensors.ones(new long[]{rowsN, 1}, mask.dtype())), 1);
        Tensor newHistory = Tensors.cat(List.of(history, fed), 1);
        Tensor newLogits = cache != null
            ? model.lastLogits(new Inputs(fed, newMask, newMask.sum(1, true).sub(1.0), null, cache))
            : model.lastLogits(new Inputs(newHistory, newMask, AttentionMask.positionsFromMask(newMask), null, null));
        logits.close();
        mask.close();
        history.close();
        logits = st.keep(newLogits);
        mask = st.keep(newMask);
        history = st.keep(newHistory);
      }
    }
  }

  /** {ids, mask} [b, longest], prompts right-aligned after padId padding. */
  private Tensor[] leftPad(List<int[]> prompts, int longest) {
    long[] ids = new long[prompts.size() * longest];
    long[] mask = new long[ids.length];
    for (int i = 0; i < prompts.size(); i++) {
      int[] p = prompts.get(i);
      int off = i * longest + longest - p.length;
      for (int j = 0; j < longest - p.length; j++) ids[i * longest + j] = padId;
      for (int j = 0; j < p.length; j++) {
        ids[off + j] = p[j];
        mask[off + j] = 1;
      }
    }
    return new Tensor[]{Tensors.of(ids, prompts.size(), longest), Tensors.of(mask, prompts.size(), longest)};
  }

}
