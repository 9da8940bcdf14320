package dev.lathe.engine.generate;

import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.model.Inputs;
import dev.lathe.engine.model.KvCache;
import dev.lathe.engine.model.RowKvCache;
import dev.lathe.engine.nn.AttentionMask;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import java.util.List;

/**
 * Joins newcomers to the running batch: their prompts are left-padded into one batch and prefilled
 * once through a temporary {@link KvCache}; each prompt's cache row is then copied into numSamples
 * rows of the {@link RowKvCache} (the samples share the prefill) starting at row {@code firstRow}.
 */
final class Prefill {
  private Prefill() {}

  /** Returns the newcomers' first next-token logits [rows, v]; appends their LiveRows to {@code into}. */
  static Tensor join(CausalLM model, RowKvCache cache, long padId, List<Queued> group, List<LiveRow> into) {
    int longest = 0;
    int total = 0;
    for (Queued q : group) {
      longest = Math.max(longest, q.request.promptIds().length);
      total += q.rows();
    }
    long[] ids = new long[group.size() * longest];
    long[] mask = new long[ids.length];
    long[] src = new long[total];
    long[] dst = new long[total];
    int firstRow = into.size();
    int r = 0;
    for (int i = 0; i < group.size(); i++) {
      Queued q = group.get(i);
      int[] p = q.request.promptIds();
      int pad = longest - p.length;
      for (int j = 0; j < longest; j++) {
        ids[i * longest + j] = j < pad ? padId : p[j - pad];
        mask[i * longest + j] = j < pad ? 0 : 1;
      }
      for (int k = 0; k < q.rows(); k++, r++) {
        src[r] = i;
        dst[r] = firstRow + r;
        into.add(new LiveRow(q, k, pad, longest));
      }
      q.running = q.rows();
    }
    Tensor idsT = Tensors.of(ids, group.size(), longest);
    Tensor maskT = Tensors.of(mask, group.size(), longest);
    try (KvCache small = KvCache.allocate(model.spec(), group.size(), longest, model.lmHeadWeight().dtype())) {
      Tensor logits = model.lastLogits(new Inputs(idsT, maskT, AttentionMask.positionsFromMask(maskT), null, small));
      cache.adopt(small, src, dst);
      return total == group.size() ? logits : logits.indexSelect(0, Tensors.of(src));
    }
  }
}
