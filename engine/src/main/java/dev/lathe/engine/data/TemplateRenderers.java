package dev.lathe.engine.data;

import dev.lathe.engine.text.ChatTemplate;
import dev.lathe.engine.text.ChatTemplates;
import dev.lathe.engine.text.Tokenizer;

/** Binds the data layer's ChatRenderer to the text package's Jinjava chat templates for one tokenizer. */
public final class TemplateRenderers {
  private TemplateRenderers() {}

  /** chat_template names resolve as Axolotl's key does (chatml, llama3, tokenizer_default, jinja, ...);
   * chat_template_kwargs reach the template as variables, over the tokenizer's special tokens. */
  public static ChatRenderer.Source of(Tokenizer tokenizer) {
    return (name, jinja, kwargs) -> {
      ChatTemplate t = ChatTemplates.select(name, jinja, tokenizer);
      return (messages, gen) -> t.render(messages, gen, tokenizer, kwargs);
    };
  }
}
