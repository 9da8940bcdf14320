package dev.lathe.engine.data;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Which trainer the rows are for: Axolotl's `rl:` value, or reward modelling (`reward_model: true`, no rl). */
public enum Method {
  DPO("dpo"), IPO("ipo"), SIMPO("simpo"), KTO("kto"), ORPO("orpo"), GRPO("grpo"), GDPO("gdpo"), EBFT("ebft"),
  REWARD_MODEL("reward_model");

  public final String key;

  Method(String key) {
    this.key = key;
  }

  /** rl: value (null when unset) and the reward_model flag -> method. */
  public static Method of(String rl, boolean rewardModel) {
    if (rl == null || rl.isEmpty()) {
      if (rewardModel) {
        return REWARD_MODEL;
      }
      throw new DataException("config: neither `rl` nor `reward_model: true` is set; the data layer prepares "
          + "preference data only. Valid rl values: " + validRl());
    }
    for (Method m : values()) {
      if (m != REWARD_MODEL && m.key.equals(rl.toLowerCase(Locale.ROOT))) {
        return m;
      }
    }
    throw new DataException("config key `rl`: unknown value '" + rl + "'; valid values: " + validRl());
  }

  static String validRl() {
    return Arrays.stream(values()).filter(m -> m != REWARD_MODEL).map(m -> m.key).collect(Collectors.joining(", "));
  }

  /** Rows are prompt/chosen/rejected. */
  public boolean paired() {
    return this == DPO || this == IPO || this == SIMPO || this == ORPO || this == REWARD_MODEL;
  }

  public boolean isKto() {
    return this == KTO;
  }

  /**
   * Rows are prompts (plus columns) for an online method, not encoded here: GRPO, GDPO and EBFT (whose
   * rows also carry a ground truth, or raw `text` for strided mode; docs/ebft.md).
   */
  public boolean isGrpo() {
    return this == GRPO || this == GDPO || this == EBFT;
  }

  /** rl values whose types resolve in Axolotl's prompt_strategies/dpo package. */
  boolean usesDpoTypes() {
    return this == DPO || this == IPO || this == SIMPO || isGrpo();
  }
}
