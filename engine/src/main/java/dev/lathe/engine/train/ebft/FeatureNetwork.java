package dev.lathe.engine.train.ebft;

import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.model.Inputs;
import dev.lathe.engine.nn.AttentionMask;
import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;

/**
 * The frozen feature network φ (ebft-nemogym.md §A.3–A.4): with LoRA, the policy itself with its adapters
 * disabled (the base weights, which nothing in Lathe merges in place); otherwise a frozen copy made
 * before training. Always in eval mode and without gradients. Features are the hidden states at the
 * fractional depths, in float32, either concatenated raw (structured mode) or each layer L2-normalised
 * per token before concatenation (strided mode, as Axolotl: a token feature has norm √|layers|).
 */
public final class FeatureNetwork implements AutoCloseable {
  private final CausalLM model;
  private final boolean adaptersOff;
  private final boolean owned;
  private final int[] layers;

  private FeatureNetwork(CausalLM model, boolean adaptersOff, boolean owned, int[] layers) {
    this.model = model;
    this.adaptersOff = adaptersOff;
    this.owned = owned;
    this.layers = layers;
  }

  /** The policy with adapters disabled (it must have LoRA adapters). */
  public static FeatureNetwork adapterDisabled(CausalLM policy, EbftSettings s) {
    if (policy.loraSpec() == null) throw new IllegalArgumentException("the adapter-disabled feature network needs a LoRA policy");
    return new FeatureNetwork(policy, true, false, s.layerIndices(policy.spec().layers()));
  }

  /** A frozen copy (owned: closed with this network). */
  public static FeatureNetwork frozen(CausalLM copy, EbftSettings s) {
    copy.requiresGrad(false);
    copy.train(false);
    return new FeatureNetwork(copy, false, true, s.layerIndices(copy.spec().layers()));
  }

  public int[] layerIndices() { return layers.clone(); }

  /**
   * Token features [b, s, |layers| * h] float32, no grad.
   *
   * @param in ids, attention mask / positions as the forward needs them
   * @param custom an explicit mask (strided layout) or null
   * @param perLayerUnit L2-normalise each layer's state per token before concatenating
   */
  public Tensor tokenFeatures(Inputs in, AttentionMask custom, boolean perLayerUnit) {
    boolean was = model.isTraining();
    model.train(false);
    try (var g = Grad.disabled(); var off = adaptersOff ? model.adaptersDisabled() : null) {
      Tensor[] states = new Tensor[layers.length];
      model.decoder().forward(in, custom, layers, states);
      List<Tensor> parts = new ArrayList<>();
      for (Tensor t : states) {
        Tensor f = t.toFloat();
        if (perLayerUnit) f = f.div(f.pow(2).sum(-1, true).sqrt().clampMin(1e-12));
        parts.add(f);
      }
      return parts.size() == 1 ? parts.get(0) : Tensors.cat(parts, 2);
    } finally {
      model.train(was);
    }
  }

  /**
   * One pooled embedding per sequence (structured mode): sequences right-padded with padId, the
   * prompt lengths for completion_mean. Returns [n][d] in double.
   */
  public double[][] embed(List<int[]> seqs, int[] promptLengths, EmbedMethod method, long padId) {
    int b = seqs.size(), s = 0;
    for (int[] x : seqs) s = Math.max(s, x.length);
    long[] ids = new long[b * s];
    float[] mask = new float[b * s];
    int[][] m = new int[b][s];
    java.util.Arrays.fill(ids, padId);
    for (int i = 0; i < b; i++) {
      int[] x = seqs.get(i);
      for (int j = 0; j < x.length; j++) { ids[i * s + j] = x[j]; mask[i * s + j] = 1; m[i][j] = 1; }
    }
    try (var sc = dev.lathe.engine.tensor.Scope.open()) {
      Tensor f = tokenFeatures(Inputs.padded(Tensors.of(ids, b, s), Tensors.of(mask, b, s)), null, false);
      double[] flat = Pooling.pool(f, Pooling.weights(method, m, promptLengths)).to(dev.lathe.engine.tensor.DType.F64).contiguous().toDoubleArray();
      int d = flat.length / b;
      double[][] out = new double[b][d];
      for (int i = 0; i < b; i++) System.arraycopy(flat, i * d, out[i], 0, d);
      return out;
    }
  }

  @Override
  public void close() { if (owned) model.close(); }
}
