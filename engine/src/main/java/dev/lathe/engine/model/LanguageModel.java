package dev.lathe.engine.model;

import dev.lathe.engine.nn.AdapterSwitch;
import dev.lathe.engine.nn.Lora;
import dev.lathe.engine.nn.LoraLinear;
import dev.lathe.engine.nn.LoraSpec;
import dev.lathe.engine.nn.Module;
import dev.lathe.engine.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A decoder ("model.") plus a head: {@link CausalLM} (lm_head) or {@link SequenceClassifier}
 * (score). Holds the model-wide LoRA switch; parameter names are HF's.
 */
public abstract class LanguageModel extends Module {
  private final DecoderSpec spec;
  private final Decoder decoder;
  private final AdapterSwitch adapters = new AdapterSwitch();
  private final Map<String, LoraLinear> lora = new LinkedHashMap<>();
  private LoraSpec loraSpec;
  private dev.lathe.engine.io.ModelConfig hfConfig;

  protected LanguageModel(DecoderSpec spec) {
    this.spec = spec;
    this.decoder = child("model", new Decoder(spec));
    decoder.useAdapterSwitch(adapters);
  }

  public DecoderSpec spec() { return spec; }

  /** The config.json this model was loaded from (unknown keys are written back), or null. */
  public dev.lathe.engine.io.ModelConfig hfConfig() { return hfConfig; }

  public void setHfConfig(dev.lathe.engine.io.ModelConfig c) { hfConfig = c; }

  public Decoder decoder() { return decoder; }

  /** Final hidden states [b, s, h] (after the last norm). */
  public Tensor hidden(Inputs in) { return decoder.forward(in); }

  /** Layer-wise gradient checkpointing on or off; see {@link Decoder#setGradientCheckpointing}. */
  public void setGradientCheckpointing(boolean on) { decoder.setGradientCheckpointing(on); }

  /** Call after every loss.backward() when checkpointing is on (no-op otherwise). */
  public void backwardCheckpointed() { decoder.backwardCheckpointed(); }

  /** The HF architectures entry this model saves as (LlamaForCausalLM, Qwen2ForSequenceClassification, ...). */
  public abstract String architecture();

  /** Adds LoRA adapters (once) and freezes everything else. Returns the adapted layers by path. */
  public Map<String, LoraLinear> addLora(LoraSpec s) {
    if (loraSpec != null) throw new IllegalStateException("this model already has LoRA adapters");
    lora.putAll(Lora.inject(this, s, adapters));
    loraSpec = s;
    return Collections.unmodifiableMap(lora);
  }

  /**
   * Folds every adapter into its base weight (W + scaling * B A) and removes the LoRA layers;
   * the model is then a plain model again (all parameters trainable, as after loading).
   */
  public void mergeLora() {
    Map<String, Module> modules = namedModules();
    for (var e : lora.entrySet()) {
      String path = e.getKey();
      int dot = path.lastIndexOf('.');
      Module parent = modules.get(dot < 0 ? "" : path.substring(0, dot));
      parent.replaceChild(path.substring(dot + 1), e.getValue().merged());
      e.getValue().close();
    }
    lora.clear();
    loraSpec = null;
    requiresGrad(true);
  }

  /** The adapted layers by path; empty without LoRA. */
  public Map<String, LoraLinear> loraLayers() { return Collections.unmodifiableMap(lora); }

  /** The LoRA settings, or null. */
  public LoraSpec loraSpec() { return loraSpec; }

  public AdapterSwitch adapters() { return adapters; }

  /** Reference passes: {@code try (var off = model.adaptersDisabled()) { ... }} runs the base model. */
  public AdapterSwitch.Restore adaptersDisabled() { return adapters.disabled(); }

  /** Adapter parameters only, by HF path ("model.layers.0.self_attn.q_proj.lora_A.weight"). */
  public Map<String, Tensor> adapterParameters() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    namedParameters().forEach((n, t) -> { if (n.contains(".lora_A.") || n.contains(".lora_B.")) out.put(n, t); });
    return out;
  }

  /** Base-model parameters (what an HF checkpoint holds), adapters excluded. */
  public Map<String, Tensor> baseParameters() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    namedParameters().forEach((n, t) -> { if (!n.contains(".lora_A.") && !n.contains(".lora_B.")) out.put(n, t); });
    return out;
  }
}
