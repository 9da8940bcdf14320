package dev.lathe.engine.train;

import java.util.SplittableRandom;

/**
 * The row order of one epoch, seeded by (seed, epoch) alone so a resumed run recomputes it exactly; the
 * one shuffle of the offline data order and of GRPO's prompt rounds.
 */
public final class EpochPermutation {
  private EpochPermutation() {}

  /** 0..n-1, Fisher-Yates shuffled when shuffle is set. */
  public static int[] of(int n, boolean shuffle, long seed, long epoch) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) p[i] = i;
    if (shuffle) {
      SplittableRandom r = new SplittableRandom(seed * 1_000_003L + epoch);
      for (int i = n - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int t = p[i];
        p[i] = p[j];
        p[j] = t;
      }
    }
    return p;
  }
}
