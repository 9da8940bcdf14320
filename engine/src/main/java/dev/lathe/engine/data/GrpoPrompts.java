package dev.lathe.engine.data;

import dev.lathe.engine.text.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Prepared GRPO rows -> {@link GrpoPrompt}s, as TRL tokenises prompts (grpo-spec §4.1): a message list
 * is rendered with the chat template and the generation prompt, then tokenised without added special
 * tokens (the template writes its own BOS); a text prompt is tokenised with special tokens (a BOS is
 * added where the tokenizer adds one), except that a text already starting with the BOS token gets
 * none added: TRL would double it (a deliberate difference, docs/rewards.md).
 */
public final class GrpoPrompts {
  private final Tokenizer tok;
  private final ChatRenderer.Source templates;
  private final String template;
  private final String jinja;
  private final Map<String, Object> kwargs;
  private ChatRenderer renderer;

  /** The YAML path: chat_template, chat_template_jinja and chat_template_kwargs of the data config. */
  public GrpoPrompts(DataConfig cfg, Tokenizer tok, ChatRenderer.Source templates) {
    this(tok, templates, cfg.chatTemplate != null ? cfg.chatTemplate : cfg.chatTemplateJinja != null ? "jinja" : "tokenizer_default",
        cfg.chatTemplateJinja, cfg.chatTemplateKwargs);
  }

  /** Any caller with its own template choice (the recipe DSL uses the tokenizer's template). */
  public GrpoPrompts(Tokenizer tok, ChatRenderer.Source templates, String template, String jinja, Map<String, Object> kwargs) {
    this.tok = tok;
    this.templates = templates;
    this.template = template;
    this.jinja = jinja;
    this.kwargs = kwargs == null ? Map.of() : kwargs;
  }

  public List<GrpoPrompt> encode(List<PreparedRow> rows) {
    List<GrpoPrompt> out = new ArrayList<>(rows.size());
    for (PreparedRow r : rows) out.add(encode(r));
    return out;
  }

  public GrpoPrompt encode(PreparedRow r) {
    return encode(r.text().grpoPrompt(), r.columns(), r.origin());
  }

  /**
   * One prompt: text, or a list of messages ({@code role}/{@code content} maps).
   *
   * @param columns the row handed to the reward functions
   * @param origin file:line (or a recipe's row index), named in every error
   */
  public GrpoPrompt encode(Object prompt, Map<String, Object> columns, String origin) {
    if (prompt instanceof String s) {
      String bos = tok.bosToken();
      boolean hasBos = bos != null && !bos.isEmpty() && s.startsWith(bos);
      return new GrpoPrompt(s, tok.encode(s, !hasBos), columns, origin);
    }
    if (!(prompt instanceof List<?> list) || !list.stream().allMatch(m -> m instanceof Map<?, ?>)) {
      throw new DataException("row " + origin + ": the prompt must be text or a list of messages ({role, content} mappings), found "
          + (prompt == null ? "nothing" : prompt.getClass().getSimpleName()));
    }
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> messages = (List<Map<String, Object>>) list;
    String text;
    try {
      text = renderer(origin).render(messages, true);
    } catch (DataException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new DataException("row " + origin + ": the chat template failed on this prompt: " + e.getMessage(), e);
    }
    return new GrpoPrompt(text, tok.encode(text, false), columns, origin);
  }

  private ChatRenderer renderer(String origin) {
    if (renderer != null) return renderer;
    String choice = template;
    ChatRenderer r = null;
    String why = null;
    try {
      r = templates == null ? null : templates.forTemplate(choice, jinja, kwargs);
    } catch (RuntimeException e) {
      why = e.getMessage();
    }
    if (r == null) {
      throw new DataException("row " + origin + ": the prompt is a list of messages, which needs a chat template, but chat_template '"
          + choice + "' is not available" + (why == null ? "" : " (" + why + ")") + "; set chat_template, or give `prompt` as text");
    }
    return renderer = r;
  }
}
