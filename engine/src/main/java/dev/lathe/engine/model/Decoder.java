package dev.lathe.engine.model;

import dev.lathe.engine.nn.AdapterSwitch;
import dev.lathe.engine.nn.AttentionMask;
import dev.lathe.engine.nn.Embedding;
import dev.lathe.engine.nn.ModuleList;
import dev.lathe.engine.nn.Module;
import dev.lathe.engine.nn.RmsNorm;
import dev.lathe.engine.nn.Rotary;
import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;

/** HF's "model." part: embed_tokens, layers.N, norm. ids [b, s] -> final hidden states [b, s, h]. */
public final class Decoder extends Module {
  private final DecoderSpec spec;
  private final Embedding embed;
  private final ModuleList<DecoderLayer> layers;
  private final RmsNorm norm;
  private final Rotary rotary;
  private final List<CheckpointedPass> pending = new ArrayList<>();
  private boolean checkpointing;
  private AdapterSwitch adapters;

  public Decoder(DecoderSpec spec) {
    this.spec = spec;
    embed = child("embed_tokens", new Embedding(spec.vocabSize(), spec.hiddenSize(), spec.dtype()));
    List<DecoderLayer> ls = new ArrayList<>();
    for (int i = 0; i < spec.layers(); i++) ls.add(new DecoderLayer(spec));
    layers = child("layers", new ModuleList<>(ls));
    norm = child("norm", new RmsNorm(spec.hiddenSize(), spec.rmsEps(), spec.dtype()));
    rotary = child("rotary_emb", new Rotary(spec.headDim(), spec.maxPositions(), spec.rope()));
  }

  public Embedding embedTokens() { return embed; }

  /** The LoRA switch the layers read; recorded per checkpointed pass so recomputation matches. */
  void useAdapterSwitch(AdapterSwitch sw) { adapters = sw; }

  /**
   * Layer-wise gradient checkpointing (Axolotl's gradient_checkpointing): grad-enabled forwards
   * without a KV cache keep only each layer's input; {@link #backwardCheckpointed} must follow the
   * loss's backward to push gradients through the layers.
   */
  public void setGradientCheckpointing(boolean on) { checkpointing = on; }

  public boolean gradientCheckpointing() { return checkpointing; }

  /**
   * After loss.backward(): recomputes the checkpointed forwards since the last call (newest first)
   * and back-propagates through their layers into the parameters. A no-op without checkpointing.
   */
  public void backwardCheckpointed() {
    try {
      for (int i = pending.size() - 1; i >= 0; i--) pending.get(i).backward();
    } finally {
      for (CheckpointedPass p : pending) p.release();
      pending.clear();
    }
  }

  public Tensor forward(Inputs in) { return forward(in, null, null, null); }

  /**
   * The forward with two additions for feature networks and block-parallel training (EBFT): an explicit
   * mask (null = the usual causal/padding one; not with a cache) and the hidden states at HF's
   * output_hidden_states indices (0 = embedding output, i = output of block i, layers() = the final,
   * normed state) written into {@code states} (same length as {@code stateIndices}; null = none).
   */
  public Tensor forward(Inputs in, AttentionMask custom, int[] stateIndices, Tensor[] states) {
    long b = in.batch();
    long s = in.length();
    AttentionCache cache = in.cache();
    Tensor positions = in.positionIds() != null ? in.positionIds()
        : cache != null ? cache.positions(b, s)
        : Tensors.arange(0, s, 1, dev.lathe.engine.tensor.DType.I64).unsqueeze(0).expand(b, s);
    Tensor x = embed.forward(in.ids()); // [b, s, h]
    Tensor[] cosSin = rotary.tables(positions, x.dtype());
    if (custom != null && cache != null) throw new IllegalArgumentException("an explicit attention mask cannot be combined with a KV cache");
    AttentionMask mask = custom != null ? custom : cache != null ? cache.mask(s, in.attentionMask(), in.sequenceIds(), spec.slidingWindow())
        : AttentionMask.build(s, 0, in.attentionMask(), in.sequenceIds(), spec.slidingWindow());
    if (stateIndices != null) {
      for (int k = 0; k < stateIndices.length; k++) {
        if (stateIndices[k] < 0 || stateIndices[k] > layers.size()) {
          throw new IllegalArgumentException("hidden-state index " + stateIndices[k] + " is outside 0.." + layers.size());
        }
        if (stateIndices[k] == 0) states[k] = x;
      }
    }
    if (checkpointing && cache == null && Grad.isEnabled() && stateIndices == null) {
      CheckpointedPass p = CheckpointedPass.forward(layerList(), x, cosSin, mask, adapters);
      pending.add(p);
      x = p.output();
    } else {
      for (int i = 0; i < layers.size(); i++) {
        // each layer in its own scope: what autograd does not save dies when the layer returns
        // (PyTorch's reference counting frees it there too), so only one layer's transients are alive
        try (Scope sc = Scope.open()) {
          x = sc.keep(layers.get(i).forward(x, cosSin, mask, cache == null ? null : cache.slot(i)));
        }
        if (stateIndices != null && i + 1 < layers.size()) {
          for (int k = 0; k < stateIndices.length; k++) if (stateIndices[k] == i + 1) states[k] = x;
        }
      }
    }
    if (cache != null) cache.advance(s);
    Tensor out = norm.forward(x);
    if (stateIndices != null) for (int k = 0; k < stateIndices.length; k++) if (stateIndices[k] == layers.size()) states[k] = out;
    return out;
  }

  private List<DecoderLayer> layerList() {
    List<DecoderLayer> out = new ArrayList<>(layers.size());
    for (int i = 0; i < layers.size(); i++) out.add(layers.get(i));
    return out;
  }

  public DecoderSpec spec() { return spec; }
}
