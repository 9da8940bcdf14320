package dev.lathe.engine.model;

import dev.lathe.engine.nn.Embedding;
import dev.lathe.engine.nn.Linear;
import dev.lathe.engine.nn.LoraLinear;
import dev.lathe.engine.nn.Module;
import dev.lathe.engine.nn.RmsNorm;
import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Runtime;

/**
 * HF's _init_weights for Llama-family models: linear and embedding weights ~ N(0, std)
 * (initializer_range, 0.02), biases 0, norms 1, the padding row of the embedding 0.
 */
public final class ModelInit {
  public static final double INITIALIZER_RANGE = 0.02;

  private ModelInit() {}

  /** Re-initialises every base weight from the seed (libtorch's global generator is reseeded). */
  public static void randomize(LanguageModel m, long seed, double std) {
    Runtime.seed(seed);
    try (var g = Grad.disabled()) {
      for (var entry : m.namedModules().entrySet()) {
        Module mod = entry.getValue();
        // adapters keep their own init (A uniform, B zero): a randomised B would change the model
        if (mod instanceof LoraLinear || entry.getKey().contains(".lora_")) continue;
        if (mod instanceof Linear l) {
          l.weight().normal_(0, std);
          if (l.bias() != null) l.bias().zero_();
        } else if (mod instanceof Embedding e) {
          e.weight().normal_(0, std);
          Integer pad = m.spec().padTokenId();
          if (pad != null && pad < e.vocabSize()) {
            try (var row = e.weight().select(0, pad)) { row.zero_(); } // a view: closing it frees the handle, not the row
          }
        } else if (mod instanceof RmsNorm n) {
          n.weight().fill_(1);
        }
      }
    }
  }
}
