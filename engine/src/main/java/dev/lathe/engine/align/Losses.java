package dev.lathe.engine.align;

import java.util.ArrayList;
import java.util.List;

/**
 * The one place where config values (Axolotl/TRL keys, already parsed by the config binding) become
 * loss objects. Every value is validated here with an error that names the key, what was expected
 * and what was found. Defaults are TRL's LEGACY-era defaults (see docs/align.md).
 */
public final class Losses {
  private Losses() {}

  /** DPO loss_type values accepted under rl: dpo (aot_unpaired is accepted as CURRENT's name for aot_pair). */
  public static final List<String> DPO_LOSS_TYPES = List.of("sigmoid", "hinge", "ipo", "robust", "exo_pair",
      "bco_pair", "sppo_hard", "nca_pair", "aot", "aot_pair", "apo_zero", "apo_down", "discopop", "sigmoid_norm", "sft");
  public static final List<String> F_DIVERGENCE_TYPES = List.of("reverse_kl", "js_divergence", "alpha_divergence");
  public static final List<String> KTO_LOSS_TYPES = List.of("kto", "apo_zero_unpaired");
  public static final List<String> CPO_LOSS_TYPES = List.of("sigmoid", "hinge", "ipo", "simpo");
  public static final List<String> GRPO_LOSS_TYPES = List.of("grpo", "bnpo", "dr_grpo", "dapo", "cispo", "sapo", "luspo");

  /** exo_pair needs ε > 0; TRL LEGACY silently uses this when label_smoothing is 0. */
  public static final double EXO_DEFAULT_EPS = 1e-3;

  public static DpoBuilder dpo() { return new DpoBuilder(); }

  /** rl: ipo — DPO with loss_type ipo. */
  public static DpoBuilder ipo() { return new DpoBuilder().lossType(List.of("ipo")); }

  public static KtoBuilder kto() { return new KtoBuilder(); }

  public static CpoBuilder cpo() { return new CpoBuilder(); }

  /** rl: simpo — CPO with loss_type simpo (cpo_alpha stays TRL's 1.0 unless set; 0 = pure SimPO). */
  public static CpoBuilder simpo() { return new CpoBuilder().lossType("simpo"); }

  /** rl: orpo; orpo_alpha is TRL's ORPO beta (default 0.1). */
  public static OrpoLoss orpo(double orpoAlpha) {
    requirePositive("orpo_alpha", orpoAlpha);
    return new OrpoLoss(orpoAlpha);
  }

  /** Reward modelling; centerRewardsCoefficient null = off (TRL default). */
  public static RewardLoss rewardModel(Double centerRewardsCoefficient) {
    if (centerRewardsCoefficient != null) requireNonNegative("center_rewards_coefficient", centerRewardsCoefficient);
    return new RewardLoss(centerRewardsCoefficient);
  }

  /**
   * GRPO/GDPO advantage settings. scaleRewards: group | batch | none (true = group, false = none);
   * aggregation (multi_objective_aggregation): sum_then_normalize | normalize_then_sum (rl: gdpo);
   * rewardWeights null = all 1.0.
   */
  public static GroupAdvantages grpoAdvantages(int numGenerations, String scaleRewards, String aggregation,
      List<String> rewardNames, List<Double> rewardWeights) {
    GroupAdvantages.Scale scale = switch (String.valueOf(scaleRewards).toLowerCase()) {
      case "group", "true" -> GroupAdvantages.Scale.GROUP;
      case "batch" -> GroupAdvantages.Scale.BATCH;
      case "none", "false" -> GroupAdvantages.Scale.NONE;
      default -> throw unknown("scale_rewards", scaleRewards, "GRPO", List.of("group", "batch", "none", "true", "false"));
    };
    GroupAdvantages.Aggregation agg = switch (String.valueOf(aggregation)) {
      case "sum_then_normalize" -> GroupAdvantages.Aggregation.SUM_THEN_NORMALIZE;
      case "normalize_then_sum" -> GroupAdvantages.Aggregation.NORMALIZE_THEN_SUM;
      default -> throw unknown("multi_objective_aggregation", aggregation, "GRPO",
          List.of("sum_then_normalize", "normalize_then_sum"));
    };
    if (rewardWeights != null && rewardWeights.size() != rewardNames.size()) {
      throw new IllegalArgumentException("reward_weights: expected " + rewardNames.size() + " weights (one per reward function "
          + rewardNames + "), got " + rewardWeights.size());
    }
    double[] w = new double[rewardNames.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = rewardWeights == null ? 1.0 : rewardWeights.get(i);
      if (!Double.isFinite(w[i])) throw new IllegalArgumentException("reward_weights[" + i + "]: expected a finite number, got " + w[i]);
    }
    return new GroupAdvantages(numGenerations, scale, agg, rewardNames, w);
  }

  /** rl: grpo | gdpo policy loss (keys: loss_type, epsilon, epsilon_high, delta, beta, importance_sampling_level, ...). */
  public static GrpoBuilder grpo() { return new GrpoBuilder(); }

  /** Maps one DPO loss_type string to its term. */
  static DpoTerm dpoTerm(String name, double eps, double tau) {
    return switch (name) {
      case "sigmoid" -> new DpoTerm.Sigmoid(eps);
      case "hinge" -> new DpoTerm.Hinge();
      case "ipo" -> new DpoTerm.Ipo();
      case "robust" -> new DpoTerm.Robust(eps);
      case "exo_pair" -> new DpoTerm.ExoPair(eps == 0 ? EXO_DEFAULT_EPS : eps);
      case "bco_pair" -> new DpoTerm.BcoPair(new RunningMean());
      case "sppo_hard" -> new DpoTerm.SppoHard();
      case "nca_pair" -> new DpoTerm.NcaPair();
      case "aot" -> new DpoTerm.Aot(eps);
      case "aot_pair", "aot_unpaired" -> new DpoTerm.AotPair(eps);
      case "apo_zero" -> new DpoTerm.ApoZero();
      case "apo_down" -> new DpoTerm.ApoDown();
      case "discopop" -> new DpoTerm.Discopop(tau);
      case "sigmoid_norm" -> new DpoTerm.SigmoidNorm();
      case "sft" -> new DpoTerm.Sft();
      default -> throw unknown("loss_type", name, "rl: dpo", DPO_LOSS_TYPES);
    };
  }

  /** Builder for rl: dpo / ipo (keys: loss_type, loss_weights, rl_beta, label_smoothing, ...). */
  public static final class DpoBuilder {
    private List<String> lossType = List.of("sigmoid");
    private List<Double> lossWeights;
    private double beta = 0.1;
    private double labelSmoothing = 0.0;
    private boolean referenceFree;
    private Double rpoAlpha;
    private double discopopTau = 0.05;
    private String fDivergence = "reverse_kl";
    private double fAlpha = 1.0;

    public DpoBuilder lossType(String one) { return lossType(List.of(one)); }
    public DpoBuilder lossType(List<String> types) {
      if (types == null || types.isEmpty()) throw new IllegalArgumentException("loss_type: expected a loss type or a non-empty list, got " + types);
      lossType = List.copyOf(types);
      return this;
    }
    /** null = all 1.0. */
    public DpoBuilder lossWeights(List<Double> w) { lossWeights = w == null ? null : List.copyOf(w); return this; }
    public DpoBuilder beta(double v) { beta = v; return this; }
    public DpoBuilder labelSmoothing(double v) { labelSmoothing = v; return this; }
    public DpoBuilder referenceFree(boolean v) { referenceFree = v; return this; }
    /** null = off. */
    public DpoBuilder rpoAlpha(Double v) { rpoAlpha = v; return this; }
    public DpoBuilder discopopTau(double v) { discopopTau = v; return this; }

    /** f_divergence_type: reverse_kl (default), js_divergence, alpha_divergence (LEGACY forms). */
    public DpoBuilder fDivergenceType(String v) {
      fDivergence = v == null ? "reverse_kl" : v;
      return this;
    }

    /** f_alpha_divergence_coef (LEGACY default 1.0). */
    public DpoBuilder fAlphaDivergenceCoef(double v) { fAlpha = v; return this; }

    public DpoLoss build() {
      requirePositive("rl_beta (beta)", beta);
      if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
        throw new IllegalArgumentException("label_smoothing: expected a value in [0, 0.5), got " + labelSmoothing);
      }
      requirePositive("discopop_tau", discopopTau);
      if (rpoAlpha != null) requireNonNegative("rpo_alpha", rpoAlpha);
      if (lossWeights != null && lossWeights.size() != lossType.size()) {
        throw new IllegalArgumentException("loss_weights: expected " + lossType.size() + " weights (one per loss_type "
            + lossType + "), got " + lossWeights.size() + " " + lossWeights);
      }
      List<Weighted> terms = new ArrayList<>();
      for (int i = 0; i < lossType.size(); i++) {
        double w = lossWeights == null ? 1.0 : lossWeights.get(i);
        if (!Double.isFinite(w)) throw new IllegalArgumentException("loss_weights[" + i + "]: expected a finite number, got " + w);
        terms.add(new Weighted(dpoTerm(lossType.get(i), labelSmoothing, discopopTau), w));
      }
      FDivergence.Kind kind = null;
      for (FDivergence.Kind k : FDivergence.Kind.values()) if (k.yaml.equals(fDivergence)) kind = k;
      if (kind == null) throw unknown("f_divergence_type", fDivergence, "rl: dpo", F_DIVERGENCE_TYPES);
      requirePositive("f_alpha_divergence_coef", fAlpha);
      return new DpoLoss(terms, beta, referenceFree, rpoAlpha, new FDivergence(kind, fAlpha));
    }
  }

  /** Builder for rl: kto (keys: rl_beta, kto_desirable_weight, kto_undesirable_weight, loss_type). */
  public static final class KtoBuilder {
    private String lossType = "kto";
    private double beta = 0.1, desirable = 1.0, undesirable = 1.0;

    public KtoBuilder lossType(String v) { lossType = v; return this; }
    public KtoBuilder beta(double v) { beta = v; return this; }
    public KtoBuilder desirableWeight(double v) { desirable = v; return this; }
    public KtoBuilder undesirableWeight(double v) { undesirable = v; return this; }

    public KtoLoss build() {
      requirePositive("rl_beta (beta)", beta);
      requirePositive("kto_desirable_weight", desirable);
      requirePositive("kto_undesirable_weight", undesirable);
      KtoLoss.Type t = switch (String.valueOf(lossType)) {
        case "kto" -> KtoLoss.Type.KTO;
        case "apo_zero_unpaired" -> KtoLoss.Type.APO_ZERO_UNPAIRED;
        default -> throw unknown("loss_type", lossType, "rl: kto", KTO_LOSS_TYPES);
      };
      return new KtoLoss(t, beta, desirable, undesirable);
    }
  }

  /** Builder for CPO and SimPO (keys: loss_type, rl_beta, label_smoothing, simpo_gamma, cpo_alpha, alpha). */
  public static final class CpoBuilder {
    private String lossType = "sigmoid";
    private double beta = 0.1, labelSmoothing = 0.0, simpoGamma = 0.5, cpoAlpha = 1.0, alpha = 0.0;

    public CpoBuilder lossType(String v) { lossType = v; return this; }
    public CpoBuilder beta(double v) { beta = v; return this; }
    public CpoBuilder labelSmoothing(double v) { labelSmoothing = v; return this; }
    public CpoBuilder simpoGamma(double v) { simpoGamma = v; return this; }
    public CpoBuilder cpoAlpha(double v) { cpoAlpha = v; return this; }
    /** AlphaPO's alpha (0 = off). */
    public CpoBuilder alpha(double v) { alpha = v; return this; }

    public CpoLoss build() {
      requirePositive("rl_beta (beta)", beta);
      if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
        throw new IllegalArgumentException("label_smoothing: expected a value in [0, 0.5), got " + labelSmoothing);
      }
      requireNonNegative("cpo_alpha", cpoAlpha);
      if (!Double.isFinite(simpoGamma)) throw new IllegalArgumentException("simpo_gamma: expected a finite number, got " + simpoGamma);
      if (!Double.isFinite(alpha)) throw new IllegalArgumentException("alpha: expected a finite number, got " + alpha);
      CpoLoss.Type t = null;
      for (CpoLoss.Type c : CpoLoss.Type.values()) if (c.yaml.equals(lossType)) t = c;
      if (t == null) throw unknown("loss_type", lossType, "CPO/SimPO", CPO_LOSS_TYPES);
      return new CpoLoss(t, beta, labelSmoothing, simpoGamma, cpoAlpha, alpha);
    }
  }

  /** Builder for the GRPO loss; defaults are TRL main's (loss_type dapo, epsilon 0.2, beta 0, token level). */
  public static final class GrpoBuilder {
    private String lossType = "dapo";
    private double epsilon = 0.2, beta = 0.0, topEntropyQuantile = 1.0, sapoPos = 1.0, sapoNeg = 1.05;
    private Double epsilonHigh, delta;
    private String level = "token";
    private int maxCompletionLength = 256;
    private ImportanceSampling importanceSampling;
    private Double offPolicyMaskThreshold;

    public GrpoBuilder lossType(String v) { lossType = v; return this; }
    /** The sampler-mismatch correction; null = off. */
    public GrpoBuilder importanceSampling(ImportanceSampling v) { importanceSampling = v; return this; }
    /** off_policy_mask_threshold; null = off. */
    public GrpoBuilder offPolicyMaskThreshold(Double v) { offPolicyMaskThreshold = v; return this; }
    public GrpoBuilder epsilon(double v) { epsilon = v; return this; }
    /** null = epsilon. */
    public GrpoBuilder epsilonHigh(Double v) { epsilonHigh = v; return this; }
    /** null = off. */
    public GrpoBuilder delta(Double v) { delta = v; return this; }
    public GrpoBuilder beta(double v) { beta = v; return this; }
    public GrpoBuilder importanceSamplingLevel(String v) { level = v; return this; }
    public GrpoBuilder topEntropyQuantile(double v) { topEntropyQuantile = v; return this; }
    public GrpoBuilder maxCompletionLength(int v) { maxCompletionLength = v; return this; }
    public GrpoBuilder sapoTemperatures(double pos, double neg) { sapoPos = pos; sapoNeg = neg; return this; }

    public GrpoLoss build() {
      GrpoLoss.Type t = null;
      for (GrpoLoss.Type c : GrpoLoss.Type.values()) if (c.yaml.equals(lossType)) t = c;
      if (t == null) {
        if ("vespo".equals(lossType)) throw new IllegalArgumentException("loss_type: 'vespo' is not implemented in Lathe yet; valid: " + String.join(", ", GRPO_LOSS_TYPES));
        throw unknown("loss_type", lossType, "rl: grpo", GRPO_LOSS_TYPES);
      }
      GrpoLoss.Level l = switch (String.valueOf(level)) {
        case "token" -> GrpoLoss.Level.TOKEN;
        case "sequence" -> GrpoLoss.Level.SEQUENCE;
        default -> throw unknown("importance_sampling_level", level, "rl: grpo", List.of("token", "sequence"));
      };
      requireNonNegative("epsilon", epsilon);
      double hi = epsilonHigh == null ? epsilon : epsilonHigh;
      requireNonNegative("epsilon_high", hi);
      if (delta != null) requirePositive("delta", delta);
      if (!Double.isFinite(beta)) throw new IllegalArgumentException("beta: expected a finite number, got " + beta);
      if (!(topEntropyQuantile >= 0 && topEntropyQuantile <= 1)) {
        throw new IllegalArgumentException("top_entropy_quantile: expected a value in [0, 1], got " + topEntropyQuantile);
      }
      if (maxCompletionLength < 1) throw new IllegalArgumentException("max_completion_length: expected >= 1, got " + maxCompletionLength);
      requirePositive("sapo_temperature_pos", sapoPos);
      requirePositive("sapo_temperature_neg", sapoNeg);
      if (offPolicyMaskThreshold != null && !Double.isFinite(offPolicyMaskThreshold)) {
        throw new IllegalArgumentException("off_policy_mask_threshold: expected a finite number, got " + offPolicyMaskThreshold);
      }
      return new GrpoLoss(t, epsilon, hi, delta, beta, l, topEntropyQuantile, maxCompletionLength, sapoPos, sapoNeg,
          importanceSampling, offPolicyMaskThreshold);
    }

    /** TRL's advice for combinations that work but are probably not meant (printed as warnings). */
    public List<String> advice() {
      List<String> out = new ArrayList<>();
      boolean seq = "sequence".equals(level);
      if (seq && List.of("bnpo", "dr_grpo", "dapo", "cispo").contains(lossType)) {
        out.add("importance_sampling_level: sequence with loss_type " + lossType + " weights each sequence by its length; GSPO uses loss_type: grpo");
      }
      if (!seq && "luspo".equals(lossType)) out.add("loss_type: luspo expects importance_sampling_level: sequence");
      if ("cispo".equals(lossType) && epsilonHigh == null) {
        out.add("loss_type: cispo caps the ratio at epsilon_high, which defaults to epsilon (" + epsilon + "); ScaleRL suggests epsilon_high: 5.0");
      }
      return out;
    }
  }

  static void requirePositive(String key, double v) {
    if (!(v > 0) || !Double.isFinite(v)) throw new IllegalArgumentException(key + ": expected a number > 0, got " + v);
  }

  static void requireNonNegative(String key, double v) {
    if (!(v >= 0) || !Double.isFinite(v)) throw new IllegalArgumentException(key + ": expected a number >= 0, got " + v);
  }

  static IllegalArgumentException unknown(String key, String got, String where, List<String> valid) {
    String near = closest(String.valueOf(got), valid);
    return new IllegalArgumentException(key + ": unknown value '" + got + "' for " + where
        + (near != null ? " (did you mean '" + near + "'?)" : "") + "; valid: " + String.join(", ", valid));
  }

  /** The valid value within edit distance 3, if any. */
  static String closest(String s, List<String> valid) {
    String best = null;
    int bestD = 4;
    for (String v : valid) {
      int d = editDistance(s.toLowerCase(), v);
      if (d < bestD) { bestD = d; best = v; }
    }
    return best;
  }

  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) prev[j] = j;
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev; prev = cur; cur = t;
    }
    return prev[b.length()];
  }
}
