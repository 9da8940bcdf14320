package dev.lathe.engine.train.ebft;

import java.util.Locale;

/** How a sequence's per-token features become one vector (ebft-nemogym.md §A.4). */
public enum EmbedMethod {
  /** The last real token (the last position whose mask is 1, so left padding works too). */
  LAST_TOKEN,
  /** The mask-weighted mean over every real token. */
  MEAN_POOLING,
  /** The mean over the completion's tokens only (positions >= the prompt length). */
  COMPLETION_MEAN,
  /** The tokens at valid/4, valid/2 and 3*valid/4 (of the real tokens), concatenated: 3x wider. */
  CONCAT;

  public String yaml() { return name().toLowerCase(Locale.ROOT); }

  public static EmbedMethod of(String s) {
    for (EmbedMethod m : values()) if (m.yaml().equals(s)) return m;
    throw new IllegalArgumentException("embed_method: unknown value '" + s + "'; valid: last_token, mean_pooling, completion_mean, concat");
  }
}
