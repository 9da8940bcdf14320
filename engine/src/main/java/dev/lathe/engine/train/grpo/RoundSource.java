package dev.lathe.engine.train.grpo;

import dev.lathe.engine.train.PhaseTimer;

/**
 * Where GrpoFeed's rounds come from: made on the spot (synchronous GRPO: {@code maker::make}) or taken
 * from a background producer (async GRPO, {@link AsyncRounds}). Rounds are asked for in order, 0, 1, 2...
 */
@FunctionalInterface
interface RoundSource {
  /**
   * @param number the round (its prompts are a pure function of it and the seed)
   * @param updatesDone optimizer updates applied to the policy so far (the consumer's version)
   */
  Round take(long number, long updatesDone, PhaseTimer timer);

  /** A source that generates each round when asked, on the caller's thread. */
  static RoundSource synchronous(RoundMaker maker) { return (n, u, t) -> maker.make(n, t); }
}
