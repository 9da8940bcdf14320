package dev.lathe.engine.data;

import java.util.List;

/**
 * How a pair trainer lays a micro-batch out for its forward. All three give the same log-probs (the
 * attention of every completion token covers exactly its prompt and its own earlier tokens); they differ in
 * what is computed: PADDED runs [2b, s] rows with right padding (and the prompt twice), PACKED runs the 2b
 * sequences back to back with no padding (dpo_padding_free), SHARED_PROMPT also runs each prompt once for
 * both of its completions.
 */
public enum PairLayout {
  PADDED, PACKED, SHARED_PROMPT;

  /** The packed layout of these pairs, or null for PADDED. */
  public PackedBatch pack(List<EncodedExample> examples) {
    return switch (this) {
      case PADDED -> null;
      case PACKED -> PackedBatch.separate(examples);
      case SHARED_PROMPT -> PackedBatch.sharedPrompt(examples);
    };
  }

  /**
   * The one rule for which layout a pair run uses. Prefix sharing is on unless asked off (null = default)
   * or unless LoRA dropout is on: with dropout, the padded path draws independent masks for the prompt's
   * two copies and sharing would draw one, a different objective; sharing is then used only when asked.
   *
   * @param paddingFree dpo_padding_free
   * @param sharedPrompt dpo_shared_prompt, null when not set
   * @param dropout the LoRA dropout (0 without LoRA)
   */
  public static PairLayout choose(boolean paddingFree, Boolean sharedPrompt, double dropout) {
    boolean share = sharedPrompt != null ? sharedPrompt : dropout == 0.0;
    if (share) return SHARED_PROMPT;
    return paddingFree ? PACKED : PADDED;
  }
}
