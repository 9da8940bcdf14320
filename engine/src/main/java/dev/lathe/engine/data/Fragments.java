package dev.lathe.engine.data;

/** The fixed chatml / llama3 / zephyr strings of Axolotl's chatml.*, llama3.* and zephyr types. */
public enum Fragments {
  CHATML, LLAMA3;

  /** [system block if system != null] + user turn + assistant header. */
  public String prompt(String system, String user) {
    if (this == CHATML) {
      String s = system == null ? "" : "<|im_start|>system\n" + system + "<|im_end|>\n";
      return s + "<|im_start|>user\n" + user + "<|im_end|>\n<|im_start|>assistant\n";
    }
    String s = system == null ? "" : "<|start_header_id|>system<|end_header_id|>\n\n" + system + "<|eot_id|>";
    return s + "<|start_header_id|>user<|end_header_id|>\n\n" + user
        + "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
  }

  /** The response followed by the end-of-turn marker, no newline. */
  public String response(String text) {
    return text + (this == CHATML ? "<|im_end|>" : "<|eot_id|>");
  }

  public String key() {
    return this == CHATML ? "chatml" : "llama3";
  }

  /** zephyr.nectar's prompt: always an empty system block. */
  public static String zephyrPrompt(String user) {
    return "<|system|>\n</s>\n<|user|>\n" + user + "</s>\n<|assistant|>\n";
  }
}
