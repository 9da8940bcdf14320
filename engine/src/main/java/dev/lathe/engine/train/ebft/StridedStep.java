package dev.lathe.engine.train.ebft;

import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.model.LogProbs;
import dev.lathe.engine.nn.AttentionMask;
import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import dev.lathe.engine.train.PhaseTimer;
import dev.lathe.engine.train.StepFunction;
import dev.lathe.engine.train.StepOutput;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Strided mode's step (ebft-nemogym.md §A.7.6–A.7.9), with the authors' semantics where Axolotl's differ:
 * features of the full sequences from the frozen network (same mask and positions as training);
 * per (document, block) rewards over the n samples and their advantages; then one policy forward with
 * the strided mask, where each generated token is scored by the logits that sampled it (its block's
 * previous token, or a_b − 1 for the first), at the sampling temperature, and gets the advantage of its
 * own block ((p − s) mod nb). loss = rl_coef · Σ(−logp · A) / action tokens + ce_coef · CE, where CE is
 * teacher-forced on the real ground-truth tokens (completion tokens for prompt rows), never on padding.
 */
public final class StridedStep implements StepFunction<StridedBatch> {
  private static final int CHUNK = 1024;
  private final CausalLM policy;
  private final FeatureNetwork features;
  private final EbftSettings s;

  public StridedStep(CausalLM policy, FeatureNetwork features, EbftSettings s) {
    this.policy = policy;
    this.features = features;
    this.s = s;
  }

  @Override
  public StepOutput compute(StridedBatch b, PhaseTimer timer) {
    StridedLayout lay = b.layout();
    int g = lay.blockLength(), nb = lay.blocks(), n = b.samples(), rows = b.rows(), docs = b.docs().size();
    Tensor ids = b.idsTensor();
    Map<String, Double> m = new LinkedHashMap<>();
    Tensor loss = null;
    double[][] tokenAdv = new double[rows][nb * g];
    float[][] action = new float[rows][nb * g];
    int validBlocks = 0;
    if (nb > 0) {
      double[][][][] emb;
      try (var ph = timer.phase("features")) {
        emb = blockEmbeddings(features.tokenFeatures(StridedBatch.inputs(ids, lay, g), StridedBatch.mask(lay, g), true), lay, rows, s.embedMethod == EmbedMethod.MEAN_POOLING);
      }
      double align = 0, div = 0, reward = 0, cfm = 0, advSum = 0, advSq = 0;
      double beta = n == 1 ? 0 : s.diversityCoef;
      try (var ph = timer.phase("reward")) {
        for (int d = 0; d < docs; d++) {
          for (int blk = 0; blk < nb; blk++) {
            if (!b.valid()[d][blk]) continue;
            double[][] gen = new double[n][];
            for (int j = 0; j < n; j++) gen[j] = emb[0][d * n + j][blk];
            FeatureRewards.Group gr = FeatureRewards.score(gen, emb[1][d * n][blk], s.alignmentCoef, beta, s.useWhitening, false);
            double[] a = Advantages.of(s.effectiveEstimator(), gr, s.alignmentCoef, beta);
            for (int j = 0; j < n; j++) {
              align += gr.alignment()[j];
              div += gr.diversity()[j];
              reward += gr.reward()[j];
              advSum += a[j];
              advSq += a[j] * a[j];
              for (int t = 0; t < g; t++) {
                int k = lay.position(t, blk) - lay.documentLength();
                tokenAdv[d * n + j][k] = a[j];
                action[d * n + j][k] = 1;
              }
            }
            cfm += gr.cfm();
            validBlocks++;
          }
        }
      }
      int samples = Math.max(1, validBlocks * n);
      m.put("ebft/alignment", align / samples);
      m.put("ebft/diversity", div / samples);
      m.put("ebft/mean_reward", reward / samples);
      m.put("reward", reward / samples);
      m.put("ebft/cfm_loss", validBlocks == 0 ? 0 : cfm / validBlocks);
      double mean = advSum / samples;
      m.put("ebft/advantages_std", Math.sqrt(Math.max(0, advSq / samples - mean * mean)));
    }
    m.put("ebft/num_blocks", (double) validBlocks);
    int maxPrompt = b.docs().stream().mapToInt(StridedDoc::promptLength).max().orElse(0);
    if (maxPrompt > 0) m.put("ebft/anchor_offset", (double) lay.anchorOffset());

    int full = lay.length(g), sLen = lay.documentLength();
    boolean needRl = nb > 0 && s.rlCoef != 0 && validBlocks > 0, needCe = s.ceCoef != 0;
    Tensor hidden = policy.decoder().forward(StridedBatch.inputs(ids, lay, g), needRl ? StridedBatch.mask(lay, g) : null, null, null);
    if (needRl) {
      Tensor act = Tensors.of(flatF(action), rows, nb * g);
      Tensor logps = generatedLogps(policy, hidden, ids, lay, s.temperature, act);
      Tensor adv = Tensors.of(flatD(tokenAdv), rows, nb * g).to(DType.F32);
      double count = Math.max(1, act.sum().item());
      Tensor rl = logps.mul(adv).sum().neg().div(count);
      m.put("ebft/rl_loss", rl.item());
      loss = rl.mul(s.rlCoef);
    }
    if (needCe && sLen > 1) {
      long[] first = new long[docs];
      float[] mask = new float[docs * (sLen - 1)];
      for (int d = 0; d < docs; d++) {
        first[d] = (long) d * n;
        StridedDoc doc = b.docs().get(d);
        for (int j = 0; j < sLen - 1; j++) if (j + 1 < doc.ids().length && j + 1 >= Math.max(doc.promptLength(), 1)) mask[d * (sLen - 1) + j] = 1;
      }
      Tensor rowsT = Tensors.of(first);
      Tensor h = hidden.indexSelect(0, rowsT).narrow(1, 0, sLen - 1);
      Tensor labels = ids.indexSelect(0, rowsT).narrow(1, 1, sLen - 1);
      Tensor mk = Tensors.of(mask, docs, sLen - 1);
      Tensor ce = LogProbs.ofLabels(h, policy.lmHeadWeight(), labels, mk, CHUNK).logps().sum().neg().div(Math.max(1, mk.sum().item()));
      m.put("ebft/ce_loss", ce.item());
      loss = loss == null ? ce.mul(s.ceCoef) : loss.add(ce.mul(s.ceCoef));
    }
    if (loss == null) loss = hidden.sum().mul(0.0); // nothing to learn from this batch (no block fits): a zero loss with a graph
    return new StepOutput(loss, m);
  }

  /**
   * Log-probs [rows, nb·g] of the generated tokens (step-major order) under the distribution that sampled
   * them: the logits at {@link StridedLayout#logitSource}, divided by the sampling temperature (1 for argmax).
   *
   * @param hidden [rows, length, h] the policy's final hidden states under the strided mask
   * @param mask [rows, nb·g] or null for all
   */
  public static Tensor generatedLogps(CausalLM policy, Tensor hidden, Tensor ids, StridedLayout lay, double temperature, Tensor mask) {
    int sLen = lay.documentLength(), count = lay.blocks() * lay.blockLength();
    long[] src = new long[count];
    for (int p = sLen; p < sLen + count; p++) src[p - sLen] = lay.logitSource(p);
    Tensor h = hidden.indexSelect(1, Tensors.of(src));
    if (temperature > 0) h = h.div(temperature);
    return LogProbs.ofLabels(h, policy.lmHeadWeight(), ids.narrow(1, sLen, count), mask, CHUNK).logps();
  }

  /** The policy's hidden states [rows, length, h] of a batch's full sequences under the strided mask. */
  public static Tensor hidden(CausalLM policy, StridedBatch b) {
    StridedLayout lay = b.layout();
    return policy.decoder().forward(StridedBatch.inputs(b.idsTensor(), lay, lay.blockLength()), StridedBatch.mask(lay, lay.blockLength()), null, null);
  }

  /** Pooled block embeddings (mean over the block's g tokens, or its last token): [0] generated [rows][nb][d], [1] ground truth [rows][nb][d] (rows of a document share it). */
  static double[][][][] blockEmbeddings(Tensor feats, StridedLayout lay, int rows, boolean mean) {
    int g = lay.blockLength(), nb = lay.blocks();
    long[] genIdx = new long[nb * g], gtIdx = new long[nb * g];
    for (int b = 0; b < nb; b++) {
      for (int t = 0; t < g; t++) {
        genIdx[b * g + t] = lay.position(t, b);
        gtIdx[b * g + t] = lay.anchor(b) + t;
      }
    }
    long d = feats.size(2);
    double[][][][] out = new double[2][][][];
    long[][] which = {genIdx, gtIdx};
    for (int k = 0; k < 2; k++) {
      Tensor x = feats.indexSelect(1, Tensors.of(which[k])).reshape(rows, nb, g, d);
      x = mean ? x.mean(2, false) : x.select(2, g - 1);
      double[] flat = x.to(DType.F64).contiguous().toDoubleArray();
      double[][][] o = new double[rows][nb][];
      for (int r = 0; r < rows; r++) for (int b = 0; b < nb; b++) o[r][b] = Arrays.copyOfRange(flat, (int) ((r * nb + b) * d), (int) ((r * nb + b + 1) * d));
      out[k] = o;
    }
    return out;
  }

  private static float[] flatF(float[][] a) {
    float[] out = new float[a.length * a[0].length];
    for (int i = 0; i < a.length; i++) System.arraycopy(a[i], 0, out, i * a[0].length, a[0].length);
    return out;
  }

  private static double[] flatD(double[][] a) {
    double[] out = new double[a.length * a[0].length];
    for (int i = 0; i < a.length; i++) System.arraycopy(a[i], 0, out, i * a[0].length, a[0].length);
    return out;
  }

}
