package dev.lathe.engine.align;

import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sampler-mismatch correction (grpo-spec §9.1, `vllm_importance_sampling_correction`): the policy
 * that sampled a completion (a stale snapshot in async GRPO, a generation server) is not the proximal
 * policy whose log-probs the trainer computed when the round was admitted, so each token's loss is
 * weighted by rho = pi_old / pi_sampler.
 *
 * <pre>
 *   d_t = (old l_t - sampler l_t) * M_t
 *   token_*:    rho_t = exp(d_t)           [b, t]
 *   sequence_*: rho   = exp(sum_t d_t)     [b, 1]   (a sum, as TRL: long sequences compound)
 *   *_truncate: rho <- clamp(rho, min, max)                    (null bound = open)
 *   *_mask:     rho <- 0 where rho < min or rho > max, else rho (null bound = open)
 * </pre>
 *
 * Masking really masks (Axolotl's async path re-raises masked weights to 1/cap, §9.2); and there is no
 * implicit floor of 1/cap under truncation: the lower bound is only what {@code min} says (TRL's rule).
 *
 * @param min vllm_importance_sampling_clip_min, or null
 * @param max vllm_importance_sampling_cap / vllm_importance_sampling_clip_max, or null
 */
public record ImportanceSampling(Mode mode, Double min, Double max) {
  public static final List<String> MODES = List.of("token_truncate", "token_mask", "sequence_truncate", "sequence_mask");

  /** vllm_importance_sampling_mode. */
  public enum Mode {
    TOKEN_TRUNCATE("token_truncate"), TOKEN_MASK("token_mask"), SEQUENCE_TRUNCATE("sequence_truncate"), SEQUENCE_MASK("sequence_mask");

    public final String yaml;

    Mode(String yaml) { this.yaml = yaml; }

    boolean sequence() { return this == SEQUENCE_TRUNCATE || this == SEQUENCE_MASK; }

    boolean masks() { return this == TOKEN_MASK || this == SEQUENCE_MASK; }
  }

  public ImportanceSampling {
    if (mode == null) throw new IllegalArgumentException("vllm_importance_sampling_mode: expected one of " + String.join(", ", MODES));
    if (min != null && !(min >= 0 && Double.isFinite(min))) {
      throw new IllegalArgumentException("vllm_importance_sampling_clip_min: expected a finite number >= 0, got " + min);
    }
    if (max != null && !(max > 0 && Double.isFinite(max))) {
      throw new IllegalArgumentException("vllm_importance_sampling_cap: expected a finite number > 0, got " + max);
    }
    if (min != null && max != null && !(min < max)) {
      throw new IllegalArgumentException("vllm_importance_sampling_clip_min: expected below the cap " + max + ", got " + min);
    }
    if (min == null && max == null) {
      throw new IllegalArgumentException("vllm_importance_sampling_cap: " + mode.yaml + " needs at least one bound (cap or clip_min)");
    }
  }

  /** The mode of a YAML string, with the closest valid value in the error. */
  public static Mode mode(String yaml) {
    for (Mode m : Mode.values()) if (m.yaml.equals(yaml)) return m;
    throw Losses.unknown("vllm_importance_sampling_mode", yaml, "the importance-sampling correction", MODES);
  }

  /**
   * @param weights [b, t] (token modes) or [b, 1] (sequence modes), no grad: multiply the per-token loss
   * @param metrics raw and corrected ratio statistics, the log-prob gap, the fractions truncated and masked
   */
  public record Result(Tensor weights, Map<String, Double> metrics) {}

  /**
   * @param old [b, t] proximal log-probs (the trainer's, at admission)
   * @param sampler [b, t] the sampler's log-probs of the same tokens
   * @param mask [b, t] 1 on tokens that count
   */
  public Result compute(Tensor old, Tensor sampler, Tensor mask) {
    Tensor m = mask.to(old.dtype());
    Tensor d = old.detach().sub(sampler.to(old.dtype())).mul(m); // [b, t]
    Tensor raw = mode.sequence() ? d.sum(1, true).exp() : d.exp(); // [b, 1] or [b, t]
    Tensor w;
    if (mode.masks()) {
      Tensor keep = Tensors.onesLike(raw);
      if (min != null) keep = keep.mul(raw.ge(min).to(raw.dtype()));
      if (max != null) keep = keep.mul(raw.le(max).to(raw.dtype()));
      w = raw.mul(keep);
    } else {
      w = min != null && max != null ? raw.clamp(min, max) : min != null ? raw.clampMin(min) : raw.clampMax(max);
    }
    return new Result(w, metrics(d, m, raw, w));
  }

  private Map<String, Double> metrics(Tensor d, Tensor m, Tensor raw, Tensor w) {
    double[] mk = m.toDoubleArray();
    double[] gap = d.abs().toDoubleArray();
    int b = (int) m.size(0), t = (int) m.size(1);
    Stats diff = new Stats(), before = new Stats(), after = new Stats();
    double[] r = raw.toDoubleArray(), c = w.toDoubleArray();
    int changed = 0, zeroed = 0;
    for (int i = 0; i < b; i++) {
      boolean any = false;
      for (int j = 0; j < t; j++) {
        if (mk[i * t + j] <= 0) continue;
        any = true;
        diff.add(gap[i * t + j]);
        if (!mode.sequence()) {
          int k = i * t + j;
          before.add(r[k]);
          after.add(c[k]);
          if (c[k] != r[k]) { if (c[k] == 0) zeroed++; else changed++; }
        }
      }
      if (mode.sequence() && any) { // one ratio per sequence that has tokens
        before.add(r[i]);
        after.add(c[i]);
        if (c[i] != r[i]) { if (c[i] == 0) zeroed++; else changed++; }
      }
    }
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("sampling/sampling_logp_difference/mean", diff.mean());
    out.put("sampling/sampling_logp_difference/max", diff.n > 0 ? diff.max : 0.0);
    after.into(out, "sampling/importance_sampling_ratio/");
    before.into(out, "sampling/raw_importance_sampling_ratio/");
    int n = Math.max(1, before.n);
    out.put("sampling/importance_sampling_ratio/truncated_frac", (double) changed / n);
    out.put("sampling/importance_sampling_ratio/masked_frac", (double) zeroed / n);
    return out;
  }

  /** min / mean / max of what was added (0 when nothing was). */
  private static final class Stats {
    int n;
    double sum, min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;

    void add(double v) {
      n++;
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }

    double mean() { return n > 0 ? sum / n : 0.0; }

    void into(Map<String, Double> out, String prefix) {
      out.put(prefix + "min", n > 0 ? min : 0.0);
      out.put(prefix + "mean", mean());
      out.put(prefix + "max", n > 0 ? max : 0.0);
    }
  }
}
