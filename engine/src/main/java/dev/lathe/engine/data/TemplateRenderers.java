package dev.lathe.engine.data;

import dev.lathe.engine.text.ChatTemplate;
import dev.lathe.engine.text.ChatTemplates;
import dev.lathe.engine.text.Tokenizer;

/** Binds the data layer's ChatRenderer to the text package's Jinjava chat templates for one tokenizer. */
public final class TemplateRenderers {
  private TemplateRenderers() {}

  /** chat_template names resolve as Axolotl's key does (chatml, llama3, tokenizer_default, jinja, ...). */
  public static ChatRenderer.Source of(Tokenizer tokenizer) {
    return (name, jinja) -> {
      ChatTemplate t = ChatTemplates.select(name, jinja, tokenizer);
      return (messages, gen) -> t.render(messages, gen, tokenizer);
    };
  }
}
