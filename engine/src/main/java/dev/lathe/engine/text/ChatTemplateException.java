package dev.lathe.engine.text;

/** A chat template that does not compile or that fails while rendering (raise_exception included). */
public class ChatTemplateException extends RuntimeException {
  private final String template;

  public ChatTemplateException(String template, String reason) {
    super("chat template '" + template + "': " + reason);
    this.template = template;
  }

  /** The template's name (e.g. "chatml", or the tokenizer folder it came from). */
  public String template() {
    return template;
  }
}
