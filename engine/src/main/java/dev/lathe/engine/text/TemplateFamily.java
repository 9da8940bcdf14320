package dev.lathe.engine.text;

import java.util.List;

/**
 * The special tokens a built-in chat template needs, and which of them are BOS/EOS/pad.
 * chatml (Qwen-style): no BOS, turns end with <|im_end|>, which is also EOS.
 * llama3: <|begin_of_text|> is BOS and added by the post-processor; turns end with <|eot_id|> (EOS).
 */
public record TemplateFamily(String name, List<String> specials, String bos, String eos, String pad) {

  public static final String PAD = "<|pad|>";

  public static TemplateFamily of(String chatTemplate) {
    return switch (chatTemplate) {
      case "chatml" -> new TemplateFamily("chatml", List.of("<|im_start|>", "<|im_end|>", PAD), null, "<|im_end|>", PAD);
      case "llama3" -> new TemplateFamily("llama3", List.of("<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>",
          "<|end_header_id|>", "<|eot_id|>", PAD), "<|begin_of_text|>", "<|eot_id|>", PAD);
      default -> throw new IllegalArgumentException("unknown chat template '" + chatTemplate + "': expected one of "
          + ChatTemplates.BUILTIN);
    };
  }

  public String templateSource() {
    return ChatTemplates.builtin(name).source();
  }
}
