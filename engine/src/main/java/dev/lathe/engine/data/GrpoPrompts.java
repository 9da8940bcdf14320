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
  private final DataConfig cfg;
  private ChatRenderer renderer;

  public GrpoPrompts(DataConfig cfg, Tokenizer tok, ChatRenderer.Source templates) {
    this.cfg = cfg;
    this.tok = tok;
    this.templates = templates;
  }

  public List<GrpoPrompt> encode(List<PreparedRow> rows) {
    List<GrpoPrompt> out = new ArrayList<>(rows.size());
    for (PreparedRow r : rows) out.add(encode(r));
    return out;
  }

  public GrpoPrompt encode(PreparedRow r) {
    Object p = r.text().grpoPrompt();
    if (p instanceof String s) {
      String bos = tok.bosToken();
      boolean hasBos = bos != null && !bos.isEmpty() && s.startsWith(bos);
      return new GrpoPrompt(s, tok.encode(s, !hasBos), r.columns(), r.origin());
    }
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> messages = (List<Map<String, Object>>) p;
    String text;
    try {
      text = renderer(r.origin()).render(messages, true);
    } catch (DataException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new DataException("row " + r.origin() + ": the chat template failed on this prompt: " + e.getMessage(), e);
    }
    return new GrpoPrompt(text, tok.encode(text, false), r.columns(), r.origin());
  }

  private ChatRenderer renderer(String origin) {
    if (renderer != null) return renderer;
    String choice = cfg.chatTemplate != null ? cfg.chatTemplate : cfg.chatTemplateJinja != null ? "jinja" : "tokenizer_default";
    ChatRenderer r = null;
    String why = null;
    try {
      r = templates == null ? null : templates.forTemplate(choice, cfg.chatTemplateJinja, cfg.chatTemplateKwargs);
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
