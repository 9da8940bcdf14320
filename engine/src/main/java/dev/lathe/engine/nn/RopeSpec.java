package dev.lathe.engine.nn;

/**
 * Rotary embedding settings: base theta and an optional scaling of the frequencies.
 * type is "default", "linear" (positions divided by factor) or "llama3" (Llama 3.1's
 * wavelength-dependent rescaling between lowFreqFactor and highFreqFactor, relative to
 * originalMaxPositions).
 */
public record RopeSpec(double theta, String type, double factor, double lowFreqFactor, double highFreqFactor,
    int originalMaxPositions) {

  public static RopeSpec plain(double theta) { return new RopeSpec(theta, "default", 1, 0, 0, 0); }

  public static RopeSpec linear(double theta, double factor) { return new RopeSpec(theta, "linear", factor, 0, 0, 0); }

  public static RopeSpec llama3(double theta, double factor, double low, double high, int originalMax) {
    return new RopeSpec(theta, "llama3", factor, low, high, originalMax);
  }

  /**
   * Inverse frequencies for a head width, in float arithmetic like HF (which computes them
   * as fp32 tensors), so positions match the reference to the last bits.
   */
  public float[] inverseFrequencies(int headDim) {
    float[] inv = new float[headDim / 2];
    for (int i = 0; i < inv.length; i++) {
      float exponent = (float) (2 * i) / (float) headDim;
      inv[i] = (float) (1.0 / (float) Math.pow(theta, exponent));
    }
    return switch (type) {
      case "default" -> inv;
      case "linear" -> scaled(inv, 1 / factor);
      case "llama3" -> llama3(inv);
      default -> throw new IllegalArgumentException("unsupported rope scaling type '" + type
          + "': expected default, linear or llama3");
    };
  }

  private static float[] scaled(float[] inv, double by) {
    float[] out = new float[inv.length];
    for (int i = 0; i < inv.length; i++) out[i] = (float) (inv[i] * by);
    return out;
  }

  // Long wavelengths are slowed by factor, short ones kept, the band between blended smoothly.
  private float[] llama3(float[] inv) {
    double lowWavelen = originalMaxPositions / lowFreqFactor;
    double highWavelen = originalMaxPositions / highFreqFactor;
    float[] out = new float[inv.length];
    for (int i = 0; i < inv.length; i++) {
      double wavelen = 2 * Math.PI / inv[i];
      if (wavelen > lowWavelen) {
        out[i] = (float) (inv[i] / factor);
      } else if (wavelen < highWavelen) {
        out[i] = inv[i];
      } else {
        double smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
        out[i] = (float) ((1 - smooth) * inv[i] / factor + smooth * inv[i]);
      }
    }
    return out;
  }
}
