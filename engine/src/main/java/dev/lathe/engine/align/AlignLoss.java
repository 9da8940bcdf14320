package dev.lathe.engine.align;

/**
 * The sealed family of alignment objectives. A YAML {@code rl}/{@code loss_type} value is mapped to
 * one of these once, by {@link Losses}; trainers dispatch on the type (pairwise, unpaired KTO,
 * reward model) to pick their data path and never look at loss-type strings.
 */
public sealed interface AlignLoss permits PairLoss, KtoLoss, RewardLoss {
  /** Short method name for logs: dpo, orpo, cpo, kto, reward. */
  String method();

  /** True when no reference model needs to run: the trainer may skip the reference forward. */
  boolean isReferenceFree();
}
