package dev.lathe.engine.generate;

import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import dev.lathe.engine.text.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Batched generation, a client of the {@link DecodeEngine}: every prompt is submitted at once, so
 * they are prefilled together (left-padded, once per prompt: the numSamples rows of a prompt share
 * its prefill), decoded together, and rows leave the batch as they finish. Runs on the calling thread.
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
    int n = s.numSamples();
    Completion[] out = new Completion[prompts.size() * n];
    if (!s.useCache()) return reference(prompts, s, policyVersion);
    int longest = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
    try (DecodeEngine e = new DecodeEngine(model, tokenizer, padId, out.length, longest + s.maxNewTokens(), prompts.size())) {
      for (int i = 0; i < prompts.size(); i++) {
        e.submit(new Request(i, prompts.get(i), s, policyVersion, c -> out[c.prompt() * n + c.sample()] = c));
      }
      e.runUntilIdle();
    }
    return Arrays.asList(out);
  }

  // no KV cache: the whole batch re-run every step (the specs' reference)
  private List<Completion> reference(List<int[]> prompts, Sampling s, long version) {
    boolean wasTraining = model.isTraining();
    model.train(false);
    try (var g = Grad.disabled(); Scope outer = Scope.open()) {
      int n = s.numSamples();
      int longest = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
      long[] ids = new long[prompts.size() * longest];
      long[] mask = new long[ids.length];
      for (int i = 0; i < prompts.size(); i++) {
        int[] p = prompts.get(i);
        for (int j = 0; j < longest; j++) {
          int k = j - (longest - p.length);
          ids[i * longest + j] = k < 0 ? padId : p[k];
          mask[i * longest + j] = k < 0 ? 0 : 1;
        }
      }
      Tensor idsT = Tensors.of(ids, prompts.size(), longest).repeatInterleave(n, 0);
      Tensor maskT = Tensors.of(mask, prompts.size(), longest).repeatInterleave(n, 0);
      List<RowState> rows = new ArrayList<>();
      for (int i = 0; i < prompts.size() * n; i++) rows.add(new RowState(RowRandom.of(s.seed(), i / n, i % n)));
      FullRecompute.decode(model, tokenizer, padId, rows, idsT, maskT, s);
      List<Completion> out = new ArrayList<>();
      for (int i = 0; i < rows.size(); i++) out.add(rows.get(i).complete(i / n, i % n, prompts.get(i / n), version, tokenizer));
      return out;
    } finally {
      model.train(wasTraining);
    }
  }
}
