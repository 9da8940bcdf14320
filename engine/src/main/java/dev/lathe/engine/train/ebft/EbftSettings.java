package dev.lathe.engine.train.ebft;

import java.util.List;

/**
 * The `ebft:` block (ebft-nemogym.md §A.2.1) with Axolotl's defaults. Structured mode reads the feature
 * and reward keys and takes sampling from GRPO's settings; strided mode reads all of them. Errors start
 * with the key's name so the binder can point at its line.
 */
public final class EbftSettings {
  public enum Mode { STRUCTURED, STRIDED }

  public enum Estimator { RLOO, GROUP_NORM, REINFORCE }

  public Mode mode = Mode.STRUCTURED;
  /** Fractions of num_hidden_layers; index int(f * L) into HF's hidden states (0 = embeddings, L = final normed state). */
  public List<Double> featureLayers = List.of(0.25, 0.5, 0.75);
  public EmbedMethod embedMethod = EmbedMethod.LAST_TOKEN;
  public boolean useWhitening;
  public double alignmentCoef = 1.0;
  public double diversityCoef = 1.0;
  public double ceCoef = 0.0;
  public double rlCoef = 1.0;
  public int stride = 8;
  public int contextLength = 8;
  public int generateMaxLen = 8;
  public int nSamplesPerPrompt = 4;
  public double temperature = 0.6;
  public double topP = 1.0;
  public Estimator advantageEstimator = Estimator.RLOO;
  public int minCompletionPrefix = 0;

  public EbftSettings validate() {
    if (featureLayers.isEmpty()) throw new IllegalArgumentException("feature_layers: give at least one depth fraction in [0, 1]");
    for (double f : featureLayers) {
      if (!(f >= 0 && f <= 1)) throw new IllegalArgumentException("feature_layers: " + f + " is not a depth fraction in [0, 1]");
    }
    positive("stride", stride);
    positive("context_length", contextLength);
    positive("generate_max_len", generateMaxLen);
    positive("n_samples_per_prompt", nSamplesPerPrompt);
    if (minCompletionPrefix < 0) throw new IllegalArgumentException("min_completion_prefix: must be >= 0, got " + minCompletionPrefix);
    if (!(temperature >= 0)) throw new IllegalArgumentException("temperature: must be >= 0 (0 = argmax), got " + temperature);
    if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p: must be in (0, 1], got " + topP);
    finite("alignment_coef", alignmentCoef);
    finite("diversity_coef", diversityCoef);
    finite("ce_coef", ceCoef);
    finite("rl_coef", rlCoef);
    return this;
  }

  private static void finite(String key, double v) {
    if (!Double.isFinite(v)) throw new IllegalArgumentException(key + ": must be a finite number, got " + v);
  }

  private static void positive(String key, int v) {
    if (v < 1) throw new IllegalArgumentException(key + ": must be >= 1, got " + v);
  }

  /** HF hidden-state indices of the feature layers: int(f * L), as Axolotl (no clamping). */
  public int[] layerIndices(int layers) {
    int[] out = new int[featureLayers.size()];
    for (int i = 0; i < out.length; i++) out[i] = (int) (featureLayers.get(i) * layers);
    return out;
  }

  /** Strided mode with one sample has no diversity term and no baseline (Axolotl does the same). */
  public Estimator effectiveEstimator() { return nSamplesPerPrompt == 1 ? Estimator.REINFORCE : advantageEstimator; }
}
