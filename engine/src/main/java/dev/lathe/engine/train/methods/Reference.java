package dev.lathe.engine.train.methods;

import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Tensor;

/**
 * Where reference log-probs come from: S_ref(y) [n], summed over completion tokens, for the rows of a
 * batch (rows = dataset indices, for the precomputed strategy; seqs = the same rows as tensors).
 */
public interface Reference extends AutoCloseable {
  Tensor sums(int[] rows, SeqTensors seqs);

  /** The model that produces the reference log-probs live (null for precomputed ones). */
  default CausalLM model() { return null; }

  @Override
  default void close() {}

  /** The policy itself with its LoRA adapters switched off: no extra memory (the default with adapter: lora). */
  static Reference adapterDisabled(CausalLM policy) {
    if (policy.loraSpec() == null) throw new IllegalArgumentException("an adapter-disabled reference needs a model with LoRA adapters");
    return new Reference() {
      public Tensor sums(int[] rows, SeqTensors seqs) {
        try (var off = policy.adaptersDisabled(); var g = Grad.disabled()) {
          return Scored.of(policy, seqs).sums();
        }
      }

      public CausalLM model() { return policy; }
    };
  }

  /** A separate frozen model (full fine-tuning, rl_adapter_ref_model, TR-DPO); closed with the reference. */
  static Reference frozen(CausalLM copy) {
    copy.requiresGrad(false);
    copy.train(false);
    return new Reference() {
      public Tensor sums(int[] rows, SeqTensors seqs) {
        try (var g = Grad.disabled()) {
          return Scored.of(copy, seqs).sums();
        }
      }

      public CausalLM model() { return copy; }

      public void close() { copy.close(); }
    };
  }
}
