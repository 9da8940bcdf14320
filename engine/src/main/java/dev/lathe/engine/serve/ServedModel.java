package dev.lathe.engine.serve;

import dev.lathe.engine.generate.DecodeEngine;
import dev.lathe.engine.io.GenerationConfig;
import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.model.Models;
import dev.lathe.engine.tensor.DType;
import dev.lathe.engine.text.ChatTemplate;
import dev.lathe.engine.text.ChatTemplates;
import dev.lathe.engine.text.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The model behind `lathe serve`: weights, tokenizer, chat template, EOS ids and the names it answers
 * to. The tensors (model, adapter) are touched only by the {@link DecodeLoop} thread once serving
 * starts; the tokenizer and template are read-only and used by HTTP threads too.
 */
public final class ServedModel implements AutoCloseable {
  private final CausalLM model;
  private final HfTokenizer tokenizer;
  private final ChatTemplate template;
  private final Set<Integer> eosIds;
  private final int padId;
  private final String name;
  private final int maxModelLen;
  private final Adapters adapters;
  private final boolean live;
  private final java.util.Map<String, Object> templateVars;

  public ServedModel(CausalLM model, HfTokenizer tokenizer, ChatTemplate template, String name, int maxModelLen) {
    this(model, tokenizer, template, name, maxModelLen, false, java.util.Map.of());
  }

  private ServedModel(CausalLM model, HfTokenizer tokenizer, ChatTemplate template, String name, int maxModelLen, boolean live,
      java.util.Map<String, Object> templateVars) {
    this.live = live;
    this.templateVars = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(templateVars)); // values may be null
    this.model = model;
    this.tokenizer = tokenizer;
    this.template = template;
    this.name = name;
    this.maxModelLen = maxModelLen;
    this.eosIds = eosIds(tokenizer);
    int pad = tokenizer.padToken() == null ? -1 : tokenizer.tokenToId(tokenizer.padToken());
    this.padId = pad >= 0 ? pad : eosIds.isEmpty() ? 0 : eosIds.iterator().next();
    this.adapters = new Adapters(model, live);
  }

  /**
   * A trainer's policy served as it trains (NeMo Gym multi-turn: the agent's model calls sample from the
   * current weights). The trainer keeps ownership: close() frees neither the model nor the tokenizer, the
   * LoRA slot stays as the policy has it, and the weight-update routes are refused. The trainer must keep
   * generation paused ({@link LatheServer#pauseGeneration()}) whenever it touches the weights itself.
   *
   * @param templateVars chat_template_kwargs of the run, passed to every render (as the trainer's prompts get them)
   */
  public static ServedModel live(CausalLM policy, HfTokenizer tokenizer, ChatTemplate template, java.util.Map<String, Object> templateVars,
      String name, int maxModelLen) {
    return new ServedModel(policy, tokenizer, template, name, maxModelLen, true, templateVars);
  }

  /** Serving a trainer's live policy (see {@link #live}). */
  public boolean isLive() { return live; }

  /** Template variables every render of this model gets (the run's chat_template_kwargs; empty for `lathe serve`). */
  public java.util.Map<String, Object> templateVars() { return templateVars; }

  /**
   * Loads an HF folder; chatTemplate is Axolotl's value (tokenizer_default_fallback_chatml by default);
   * maxModelLen 0 = the config's max_position_embeddings.
   */
  public static ServedModel load(Path dir, DType dtype, String name, String chatTemplate, int maxModelLen) {
    CausalLM m = Models.loadCausalLM(dir, dtype);
    HfTokenizer tok = null;
    try {
      tok = HfTokenizer.load(dir);
      ChatTemplate t = ChatTemplates.select(chatTemplate == null ? "tokenizer_default_fallback_chatml" : chatTemplate, tok);
      int len = maxModelLen > 0 ? maxModelLen : m.spec().maxPositions();
      return new ServedModel(m, tok, t, name != null ? name : dir.toAbsolutePath().normalize().getFileName().toString(), len);
    } catch (RuntimeException e) {
      m.close();
      if (tok != null) tok.close();
      throw e;
    }
  }

  private static Set<Integer> eosIds(HfTokenizer tok) {
    Set<Integer> eos = new LinkedHashSet<>();
    if (tok.eosToken() != null && tok.tokenToId(tok.eosToken()) >= 0) eos.add(tok.tokenToId(tok.eosToken()));
    Path gc = tok.dir().resolve("generation_config.json");
    if (Files.isRegularFile(gc)) eos.addAll(GenerationConfig.read(gc).eosTokenIds());
    return Set.copyOf(eos);
  }

  /** A continuous-batching engine over this model, max_model_len positions per row; step it on the decode thread only. */
  DecodeEngine engine(int maxRows, int maxWaiting) { return new DecodeEngine(model, tokenizer, padId, maxRows, maxModelLen, maxWaiting); }

  CausalLM model() { return model; }

  public HfTokenizer tokenizer() { return tokenizer; }

  public ChatTemplate template() { return template; }

  public Set<Integer> eosIds() { return eosIds; }

  public String name() { return name; }

  public int maxModelLen() { return maxModelLen; }

  public int vocabSize() { return model.spec().vocabSize(); }

  Adapters adapters() { return adapters; }

  @Override
  public void close() {
    if (live) return; // the trainer's
    model.close();
    tokenizer.close();
  }
}
