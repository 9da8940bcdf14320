package dev.lathe.engine.train.grpo;

import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Tensor;

/**
 * Per-token reference log-probs [b, c] for the k3 KL term (grpo-spec §7.3), from the same strategies as
 * the offline family: the policy with its LoRA adapters switched off (default with LoRA), or a frozen
 * copy of the base model (full fine-tuning). With beta = 0 no reference exists at all.
 */
public interface GrpoReference extends AutoCloseable {
  Tensor logps(GrpoBatch b, double temperature);

  /** The separate reference model (frozen copy), or null. */
  default CausalLM model() { return null; }

  @Override
  default void close() {}

  static GrpoReference adapterDisabled(CausalLM policy) {
    if (policy.loraSpec() == null) throw new IllegalArgumentException("an adapter-disabled reference needs a model with LoRA adapters");
    return (b, t) -> {
      try (var off = policy.adaptersDisabled(); var g = Grad.disabled()) {
        return TokenLogps.of(policy, b, t);
      }
    };
  }

  /** A separate frozen model, closed with the reference. */
  static GrpoReference frozen(CausalLM copy) {
    copy.requiresGrad(false);
    copy.train(false);
    return new GrpoReference() {
      public Tensor logps(GrpoBatch b, double t) {
        try (var g = Grad.disabled()) {
          return TokenLogps.of(copy, b, t);
        }
      }

      public CausalLM model() { return copy; }

      public void close() { copy.close(); }
    };
  }
}
