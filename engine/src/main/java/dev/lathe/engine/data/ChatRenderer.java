package dev.lathe.engine.data;

import java.util.List;
import java.util.Map;

/**
 * Renders a conversation with a chat template, as transformers' apply_chat_template(messages,
 * add_generation_prompt, tokenize=False). Messages are {role, content} maps (ORPO adds a `label`
 * key). Bound to the Jinjava implementation in dev.lathe.engine.text.
 */
@FunctionalInterface
public interface ChatRenderer {
  String render(List<Map<String, Object>> messages, boolean addGenerationPrompt);

  /**
   * Finds the renderer for a template choice: `name` is Axolotl's chat_template value (a bundled
   * name such as "chatml" or "llama3", "tokenizer_default", "tokenizer_default_fallback_NAME",
   * "jinja"); `jinja` is chat_template_jinja (inline source or a file path) or null; `kwargs` is
   * chat_template_kwargs (extra template variables such as tools or enable_thinking; may be empty).
   */
  @FunctionalInterface
  interface Source {
    ChatRenderer forTemplate(String name, String jinja, Map<String, Object> kwargs);
  }
}
