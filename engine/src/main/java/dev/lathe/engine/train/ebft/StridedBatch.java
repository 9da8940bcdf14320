package dev.lathe.engine.train.ebft;

import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.model.Inputs;
import dev.lathe.engine.nn.AttentionMask;
import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import java.util.List;

/**
 * A micro-batch of documents after block-parallel generation (ebft-nemogym.md §A.7.5): each document
 * repeated n times (rows d·n .. d·n + n − 1), right-padded to the batch's longest document, followed by
 * the generated tokens in the step-major layout. A block is valid for a document when its ground-truth
 * window [a_b, a_b + g) lies inside the document's real tokens; invalid blocks (those reaching into
 * padding) get no reward, no advantage and no loss (Axolotl scores them against pad tokens).
 *
 * @param ids [rows][layout.length(g)] the full sequences
 * @param valid [docs][blocks]
 */
public record StridedBatch(List<StridedDoc> docs, int samples, StridedLayout layout, long[][] ids, boolean[][] valid) {

  public int rows() { return ids.length; }

  /** Anchor offset of a batch: after the longest prompt (+ min_completion_prefix) for prompt rows, at least context_length. */
  public static int anchorOffset(List<StridedDoc> docs, EbftSettings s) {
    int maxPrompt = 0;
    for (StridedDoc d : docs) maxPrompt = Math.max(maxPrompt, d.promptLength());
    return maxPrompt > 0 ? Math.max(maxPrompt + s.minCompletionPrefix, s.contextLength) : s.contextLength;
  }

  /** Generates every block of every document n times with the policy (eval mode, no grad, adapters on). */
  public static StridedBatch generate(CausalLM policy, List<StridedDoc> docs, EbftSettings s, long padId) {
    int n = s.nSamplesPerPrompt, g = s.generateMaxLen, len = 0;
    for (StridedDoc d : docs) len = Math.max(len, d.ids().length);
    StridedLayout lay = StridedLayout.of(len, anchorOffset(docs, s), s.stride, g);
    int rows = docs.size() * n;
    long[][] ids = new long[rows][lay.length(g)];
    boolean[][] valid = new boolean[docs.size()][lay.blocks()];
    for (int d = 0; d < docs.size(); d++) {
      int[] x = docs.get(d).ids();
      for (int b = 0; b < lay.blocks(); b++) valid[d][b] = lay.anchor(b) + g <= x.length;
      for (int r = d * n; r < (d + 1) * n; r++) {
        java.util.Arrays.fill(ids[r], padId);
        for (int j = 0; j < x.length; j++) ids[r][j] = x[j];
      }
    }
    if (lay.blocks() == 0) return new StridedBatch(docs, n, lay, ids, valid);
    boolean was = policy.isTraining();
    policy.train(false);
    try (var gr = Grad.disabled()) {
      for (int t = 0; t < g; t++) {
        try (var sc = dev.lathe.engine.tensor.Scope.open()) {
          int cur = lay.length(t);
          Tensor in = Tensors.of(flat(ids, cur), rows, cur);
          Tensor hidden = policy.decoder().forward(inputs(in, lay, t), mask(lay, t), null, null); // [rows, cur, h]
          long[] src = new long[lay.blocks()];
          for (int b = 0; b < lay.blocks(); b++) src[b] = t == 0 ? lay.anchor(b) - 1 : lay.position(t - 1, b);
          Tensor logits = hidden.indexSelect(1, Tensors.of(src)).matmul(policy.lmHeadWeight().t()).toFloat(); // [rows, nb, v]
          long[] next = sample(logits.reshape(rows * (long) lay.blocks(), logits.size(2)), s.temperature, s.topP);
          for (int r = 0; r < rows; r++) for (int b = 0; b < lay.blocks(); b++) ids[r][lay.position(t, b)] = next[r * lay.blocks() + b];
        }
      }
    } finally {
      policy.train(was);
    }
    return new StridedBatch(docs, n, lay, ids, valid);
  }

  /** Temperature 0: argmax; else softmax(z / T), the top-p nucleus (at least one token), one draw. */
  static long[] sample(Tensor z, double temperature, double topP) {
    if (temperature == 0) return z.argmax(1, false).toLongArray();
    Tensor p = z.div(temperature).softmax(1);
    if (topP < 1) {
      Tensor[] sorted = p.sort(1, true); // values, indices
      Tensor before = sorted[0].cumsum(1).sub(sorted[0]); // mass of the better tokens
      Tensor keep = before.lt(topP);
      Tensor kept = sorted[0].mul(keep.toFloat());
      p = Tensors.zerosLike(p).scatter(1, sorted[1], kept);
    }
    return Tensors.multinomial(p, 1, false).squeeze(1).toLongArray();
  }

  /** Inputs of the first `steps` steps: ids, the layout's position ids (same for every row). */
  static Inputs inputs(Tensor ids, StridedLayout lay, int steps) {
    Tensor pos = Tensors.of(lay.positionIds(steps), 1, lay.length(steps)).expand(ids.size(0), lay.length(steps));
    return new Inputs(ids, null, pos, null, null);
  }

  static AttentionMask mask(StridedLayout lay, int steps) {
    int n = lay.length(steps);
    return AttentionMask.ofAllowed(Tensors.of(lay.mask(steps), 1, n, n));
  }

  static long[] flat(long[][] ids, int cols) {
    long[] out = new long[ids.length * cols];
    for (int r = 0; r < ids.length; r++) System.arraycopy(ids[r], 0, out, r * cols, cols);
    return out;
  }

  /** Whole sequences [rows, length(g)] int64. */
  public Tensor idsTensor() { return Tensors.of(flat(ids, layout.length(layout.blockLength())), rows(), layout.length(layout.blockLength())); }

}
