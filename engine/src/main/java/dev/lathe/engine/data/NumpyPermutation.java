package dev.lathe.engine.data;

/**
 * numpy.random.default_rng(seed).permutation(n), bit for bit, because HF Dataset.shuffle(seed)
 * is exactly that and users compare row orders with Axolotl: SeedSequence(seed) -> PCG64
 * (XSL-RR 128/64) -> Fisher-Yates from the end with numpy's masked rejection sampling
 * (random_interval). Only non-negative seeds below 2^63 are supported.
 */
public final class NumpyPermutation {
  private static final int INIT_A = 0x43b0d7e5;
  private static final int MULT_A = 0x931e8875;
  private static final int INIT_B = 0x8b51f9dd;
  private static final int MULT_B = 0x58f38ded;
  private static final int MIX_MULT_L = 0xca01f9dd;
  private static final int MIX_MULT_R = 0x4973f715;
  private static final long MULT_HI = 2549297995355413924L;
  private static final long MULT_LO = 4865540595714422341L;

  // 128-bit PCG state and increment as (hi, lo) pairs
  private long stateHi;
  private long stateLo;
  private long incHi;
  private long incLo;
  private boolean hasUint32;
  private int uinteger;

  private NumpyPermutation(long seed) {
    if (seed < 0) {
      throw new DataException("seed must be >= 0, got " + seed);
    }
    int[] pool = mixEntropy(seed);
    long[] words = generateState64(pool, 4);
    // pcg64_set_seed: seed = (words[0] << 64) | words[1], inc = (words[2] << 64) | words[3]
    setSeq(words[0], words[1], words[2], words[3]);
  }

  /** The permutation numpy's default_rng(seed).permutation(n) returns. */
  public static int[] permutation(long seed, int n) {
    NumpyPermutation g = new NumpyPermutation(seed);
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    for (int i = n - 1; i >= 1; i--) {
      int j = (int) g.randomInterval(i);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  private static int[] mixEntropy(long seed) {
    int[] entropy = seed > 0xffffffffL ? new int[] {(int) seed, (int) (seed >>> 32)} : new int[] {(int) seed};
    int[] mixer = new int[4];
    int[] hashConst = {INIT_A};
    for (int i = 0; i < 4; i++) {
      mixer[i] = hashmix(i < entropy.length ? entropy[i] : 0, hashConst);
    }
    for (int src = 0; src < 4; src++) {
      for (int dst = 0; dst < 4; dst++) {
        if (src != dst) {
          mixer[dst] = mix(mixer[dst], hashmix(mixer[src], hashConst));
        }
      }
    }
    for (int src = 4; src < entropy.length; src++) {
      for (int dst = 0; dst < 4; dst++) {
        mixer[dst] = mix(mixer[dst], hashmix(entropy[src], hashConst));
      }
    }
    return mixer;
  }

  private static int hashmix(int value, int[] hashConst) {
    value ^= hashConst[0];
    hashConst[0] *= MULT_A;
    value *= hashConst[0];
    value ^= value >>> 16;
    return value;
  }

  private static int mix(int x, int y) {
    int r = MIX_MULT_L * x - MIX_MULT_R * y;
    return r ^ (r >>> 16);
  }

  /** SeedSequence.generate_state(n, uint64): uint32 words, viewed little-endian as uint64. */
  private static long[] generateState64(int[] pool, int n) {
    int hashConst = INIT_B;
    int[] w = new int[2 * n];
    for (int i = 0; i < w.length; i++) {
      int v = pool[i % pool.length];
      v ^= hashConst;
      hashConst *= MULT_B;
      v *= hashConst;
      v ^= v >>> 16;
      w[i] = v;
    }
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = (w[2 * i] & 0xffffffffL) | ((long) w[2 * i + 1] << 32);
    }
    return out;
  }

  private void setSeq(long seedHi, long seedLo, long seqHi, long seqLo) {
    stateHi = 0;
    stateLo = 0;
    // inc = (initseq << 1) | 1
    incHi = (seqHi << 1) | (seqLo >>> 63);
    incLo = (seqLo << 1) | 1L;
    step();
    long lo = stateLo + seedLo;
    long carry = Long.compareUnsigned(lo, stateLo) < 0 ? 1 : 0;
    stateHi = stateHi + seedHi + carry;
    stateLo = lo;
    step();
  }

  /** state = state * MULT + inc (mod 2^128). */
  private void step() {
    long lo = stateLo * MULT_LO;
    long hi = Math.unsignedMultiplyHigh(stateLo, MULT_LO) + stateLo * MULT_HI + stateHi * MULT_LO;
    long lo2 = lo + incLo;
    long carry = Long.compareUnsigned(lo2, lo) < 0 ? 1 : 0;
    stateHi = hi + incHi + carry;
    stateLo = lo2;
  }

  private long next64() {
    step();
    long x = stateHi ^ stateLo;
    int rot = (int) (stateHi >>> 58);
    return Long.rotateRight(x, rot);
  }

  private int next32() {
    if (hasUint32) {
      hasUint32 = false;
      return uinteger;
    }
    long next = next64();
    hasUint32 = true;
    uinteger = (int) (next >>> 32);
    return (int) next;
  }

  private long randomInterval(long max) {
    if (max == 0) {
      return 0;
    }
    long mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask |= mask >>> 32;
    long value;
    if (max <= 0xffffffffL) {
      do {
        value = (next32() & 0xffffffffL) & mask;
      } while (value > max);
    } else {
      do {
        value = next64() & mask;
      } while (Long.compareUnsigned(value, max) > 0);
    }
    return value;
  }
}
