package dev.lathe.engine.nn;

import java.util.List;

/**
 * LoRA settings (PEFT's LoraConfig subset). targets are module names matched against the last
 * component of a module path ("q_proj") or a full dotted path; allLinear takes every linear of
 * the decoder layers (Axolotl's lora_target_linear), never lm_head or the score head.
 */
public record LoraSpec(int r, double alpha, double dropout, List<String> targets, boolean allLinear, boolean rsLora) {
  public LoraSpec {
    if (r <= 0) throw new IllegalArgumentException("lora_r must be positive, got " + r);
    if (dropout < 0 || dropout >= 1) throw new IllegalArgumentException("lora_dropout must be in [0, 1), got " + dropout);
    targets = List.copyOf(targets);
    if (targets.isEmpty() && !allLinear) {
      throw new IllegalArgumentException("LoRA needs lora_target_modules or lora_target_linear: true");
    }
  }

  /** alpha / r, or alpha / sqrt(r) with rank-stabilised LoRA. */
  public double scaling() { return rsLora ? alpha / Math.sqrt(r) : alpha / r; }
}
