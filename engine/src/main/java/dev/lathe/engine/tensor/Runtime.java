package dev.lathe.engine.tensor;

import dev.lathe.ffi.Torch;

/** libtorch runtime facts and settings: version, threads, seeds, RNG state. */
public final class Runtime {
  private Runtime() {}

  public static String libtorchVersion() { return Torch.libtorchVersion(); }
  public static String buildConfig() { return Torch.buildConfig(); }
  public static int threads() { return Torch.threads(); }
  public static void setThreads(int n) { Torch.setThreads(n); }
  public static long cudaDevices() { return Torch.cudaDeviceCount(); }

  /** Seeds libtorch's global CPU generator (randn, rand, dropout, multinomial). */
  public static void seed(long seed) { Torch.manualSeed(seed); }

  /** The global generator's state as a byte tensor (checkpoint/resume). */
  public static Tensor rngState() { return Tensor.wrap(Torch.rngState()); }

  public static void setRngState(Tensor state) { Torch.setRngState(state.handle()); }
}
