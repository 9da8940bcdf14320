package dev.lathe.engine.generate;

import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.model.Inputs;
import dev.lathe.engine.nn.AttentionMask;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import dev.lathe.engine.text.Tokenizer;
import java.util.List;

/**
 * The reference decode (Sampling.useCache false): every step re-runs the whole left-padded batch,
 * no KV cache, ids and mask grown by concatenation. Slow on purpose, simple on purpose: specs
 * compare the engine against it.
 */
final class FullRecompute {
  private FullRecompute() {}

  /** ids/mask [rows, t] left-padded (numSamples rows per prompt already expanded); fills rows. */
  static void decode(CausalLM model, Tokenizer tok, long padId, List<RowState> rows, Tensor ids, Tensor mask, Sampling s) {
    int n = rows.size();
    for (int step = 0; step < s.maxNewTokens(); step++) {
      try (Scope st = Scope.open()) {
        Tensor logits = model.lastLogits(new Inputs(ids, mask, AttentionMask.positionsFromMask(mask), null, null));
        LogitsProcessor.Processed p = LogitsProcessor.process(logits, ids, s);
        Tensor[] picked = Sampler.next(p, s, Sampler.randoms(s, rows));
        long[] nextIds = picked[0].toLongArray();
        float[] lps = picked[1].toFloatArray();
        float[] taus = p.threshold().toFloatArray();
        boolean all = true;
        for (int i = 0; i < n; i++) {
          RowState r = rows.get(i);
          if (r.done()) nextIds[i] = padId;
          else r.add((int) nextIds[i], lps[i], taus[i], s, tok);
          all &= r.done();
        }
        if (all) return;
        Tensor newIds = Tensors.cat(List.of(ids, Tensors.of(nextIds, n, 1)), 1);
        Tensor newMask = Tensors.cat(List.of(mask, Tensors.ones(new long[]{n, 1}, mask.dtype())), 1);
        ids = st.keep(newIds);
        mask = st.keep(newMask);
      }
    }
  }
}
