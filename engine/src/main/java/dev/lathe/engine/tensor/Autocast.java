package dev.lathe.engine.tensor;

import dev.lathe.ffi.Torch;

/** CPU autocast (bf16 mixed precision), like torch.autocast("cpu", dtype=torch.bfloat16). */
public final class Autocast implements AutoCloseable {
  private final boolean previous;

  private Autocast(boolean on, DType dt) {
    previous = Torch.isAutocast();
    Torch.setAutocast(on, dt.code);
  }

  /** Whether CPU autocast is on in this thread (checkpointed recomputation re-enters the same mode). */
  public static boolean enabled() { return Torch.isAutocast(); }

  public static Autocast bf16() { return new Autocast(true, DType.BF16); }

  public static Autocast of(boolean on) { return new Autocast(on, DType.BF16); }

  @Override
  public void close() { Torch.setAutocast(previous, DType.BF16.code); }
}
