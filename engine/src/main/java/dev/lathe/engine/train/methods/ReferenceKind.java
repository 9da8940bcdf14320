package dev.lathe.engine.train.methods;

/** Where the reference log-probs come from (chosen once, from the config). */
public enum ReferenceKind {
  /** The method needs none (ORPO, SimPO/CPO, reward modelling, reference_free DPO). */
  NONE,
  /** The policy with its LoRA adapters switched off (default with adapter: lora). */
  ADAPTER_DISABLED,
  /** A separate frozen copy of the base model (full fine-tuning, rl_adapter_ref_model: true, TR-DPO). */
  FROZEN_COPY,
  /** Computed once before training and cached on disk; no reference model is kept (precompute_ref_log_probs). */
  PRECOMPUTED,
}
