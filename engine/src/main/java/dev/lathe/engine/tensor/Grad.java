package dev.lathe.engine.tensor;

import dev.lathe.ffi.Torch;
import java.util.List;
import java.util.function.Supplier;

/** Gradient mode (thread-local in libtorch) and functional gradients. */
public final class Grad {
  private Grad() {}

  /** Restores the previous grad mode when closed. */
  public static final class Mode implements AutoCloseable {
    private final boolean previous;

    private Mode(boolean on) {
      previous = Torch.isGradEnabled();
      Torch.setGradEnabled(on);
    }

    @Override
    public void close() { Torch.setGradEnabled(previous); }
  }

  /** try (var g = Grad.disabled()) { ... }: no graph is recorded inside. */
  public static Mode disabled() { return new Mode(false); }

  public static Mode enabled() { return new Mode(true); }

  public static boolean isEnabled() { return Torch.isGradEnabled(); }

  public static <T> T noGrad(Supplier<T> body) {
    try (Mode m = disabled()) {
      return body.get();
    }
  }

  /** d(outputs)/d(inputs); entries are null for inputs the outputs do not depend on. */
  public static Tensor[] grad(List<Tensor> outputs, List<Tensor> inputs, boolean retainGraph, boolean createGraph) {
    long[] outs = outputs.stream().mapToLong(Tensor::handle).toArray();
    long[] ins = inputs.stream().mapToLong(Tensor::handle).toArray();
    long[] gs = Torch.autogradGrad(outs, ins, retainGraph, createGraph);
    Tensor[] r = new Tensor[gs.length];
    for (int i = 0; i < gs.length; i++) r[i] = gs[i] == 0 ? null : Tensor.wrap(gs[i]);
    return r;
  }
}
