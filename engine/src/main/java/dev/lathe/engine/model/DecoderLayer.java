package dev.lathe.engine.model;

import dev.lathe.engine.nn.Attention;
import dev.lathe.engine.nn.AttentionMask;
import dev.lathe.engine.nn.KvSlot;
import dev.lathe.engine.nn.Layer;
import dev.lathe.engine.nn.Module;
import dev.lathe.engine.nn.RmsNorm;
import dev.lathe.engine.nn.SwiGlu;
import dev.lathe.engine.tensor.Tensor;

/** Pre-norm block: h = x + attn(norm(x)); out = h + mlp(norm(h)). [b, s, h] -> [b, s, h]. */
public final class DecoderLayer extends Module {
  private final Attention attention;

  public DecoderLayer(DecoderSpec spec) {
    child("input_layernorm", new RmsNorm(spec.hiddenSize(), spec.rmsEps(), spec.dtype()));
    attention = child("self_attn", new Attention(spec.attention(), spec.dtype()));
    child("post_attention_layernorm", new RmsNorm(spec.hiddenSize(), spec.rmsEps(), spec.dtype()));
    child("mlp", new SwiGlu(spec.hiddenSize(), spec.intermediateSize(), spec.mlpBias(), spec.dtype()));
  }

  private Layer layer(String name) { return (Layer) childAt(name); }

  public Tensor forward(Tensor x, Tensor[] cosSin, AttentionMask mask, KvSlot cache) {
    Tensor h = x.add(attention.forward(layer("input_layernorm").forward(x), cosSin, mask, cache));
    return h.add(layer("mlp").forward(layer("post_attention_layernorm").forward(h)));
  }
}
