package dev.lathe.engine.text;

import java.util.List;

/**
 * Chat templates selectable by name, as Axolotl's chat_template key does: the built-in
 * "chatml" and "llama3" (rendering the same strings as Axolotl's bundled templates), and
 * "tokenizer_default" (the tokenizer's own template).
 */
public final class ChatTemplates {
  private ChatTemplates() {}

  public static final List<String> BUILTIN = List.of("chatml", "llama3");

  /** Each message as <|im_start|>role\ncontent<|im_end|>\n; no BOS, no default system message. */
  public static final String CHATML =
      "{% for message in messages %}"
      + "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
      + "{% endfor %}"
      + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

  /**
   * bos_token first, then <|start_header_id|>role<|end_header_id|>\n\n + trimmed content + <|eot_id|>;
   * list content is the concatenation of its text parts.
   */
  public static final String LLAMA3 =
      "{% for message in messages %}"
      + "{% if message['content'] is string %}{% set text = message['content'] %}"
      + "{% else %}{% set ns = namespace(text='') %}"
      + "{% for part in message['content'] %}{% if part['type'] == 'text' %}{% set ns.text = ns.text + part['text'] %}{% endif %}{% endfor %}"
      + "{% set text = ns.text %}{% endif %}"
      + "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + (text | trim) + '<|eot_id|>' %}"
      + "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
      + "{{ content }}"
      + "{% endfor %}"
      + "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

  /** Parsed on first use (ChatTemplate is immutable and thread-safe to render). */
  private static final class Parsed {
    static final ChatTemplate CHATML = ChatTemplate.of("chatml", ChatTemplates.CHATML);
    static final ChatTemplate LLAMA3 = ChatTemplate.of("llama3", ChatTemplates.LLAMA3);
  }

  /** The built-in template of that name; an unknown name lists the known ones. */
  public static ChatTemplate builtin(String name) {
    return switch (name) {
      case "chatml" -> Parsed.CHATML;
      case "llama3" -> Parsed.LLAMA3;
      default -> throw new IllegalArgumentException("unknown chat template '" + name + "': built-in templates are "
          + BUILTIN + "; use tokenizer_default for the tokenizer's own");
    };
  }

  /**
   * Resolves Axolotl's chat_template / chat_template_jinja pair: "jinja" (or a null name with
   * jinja set) takes chat_template_jinja, inline source or the path of a file holding it;
   * anything else goes to select(name, tokenizer).
   */
  public static ChatTemplate select(String chatTemplate, String jinja, Tokenizer tokenizer) {
    if ("jinja".equals(chatTemplate) || (chatTemplate == null && jinja != null)) {
      if (jinja == null || jinja.isBlank()) {
        throw new IllegalArgumentException("chat_template: jinja needs chat_template_jinja (inline source or a file path)");
      }
      return fromJinjaValue(jinja);
    }
    return select(chatTemplate == null ? "tokenizer_default" : chatTemplate, tokenizer);
  }

  private static ChatTemplate fromJinjaValue(String jinja) {
    boolean looksLikePath = !jinja.contains("{") && !jinja.contains("\n") && jinja.length() < 4096;
    if (looksLikePath) {
      java.nio.file.Path p = java.nio.file.Path.of(jinja.strip());
      if (!java.nio.file.Files.isRegularFile(p)) {
        throw new IllegalArgumentException("chat_template_jinja: '" + jinja + "' is neither a template nor an existing file");
      }
      try {
        return ChatTemplate.of(p.toString(), java.nio.file.Files.readString(p));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("cannot read chat_template_jinja file " + p + ": " + e.getMessage(), e);
      }
    }
    return ChatTemplate.of("chat_template_jinja", jinja);
  }

  /** Errors in the tokenizer's own template name the file it came from (chat_template.jinja or tokenizer_config.json). */
  private static String ownTemplateName(Tokenizer tokenizer) {
    if (!(tokenizer instanceof HfTokenizer h)) return "tokenizer_default";
    java.nio.file.Path jinja = h.dir().resolve("chat_template.jinja");
    return (java.nio.file.Files.isRegularFile(jinja) ? jinja : h.dir().resolve("tokenizer_config.json")).toString();
  }

  /**
   * Resolves an Axolotl chat_template value: a built-in name, "tokenizer_default",
   * or "tokenizer_default_fallback_NAME".
   */
  public static ChatTemplate select(String chatTemplate, Tokenizer tokenizer) {
    String fallback = "tokenizer_default_fallback_";
    if (chatTemplate.equals("tokenizer_default") || chatTemplate.startsWith(fallback)) {
      String own = tokenizer.chatTemplate();
      if (own != null) return ChatTemplate.of(ownTemplateName(tokenizer), own);
      if (chatTemplate.startsWith(fallback)) return builtin(chatTemplate.substring(fallback.length()));
      throw new IllegalArgumentException("chat_template: tokenizer_default, but the tokenizer has no chat_template; "
          + "choose one of " + BUILTIN);
    }
    return builtin(chatTemplate);
  }
}
