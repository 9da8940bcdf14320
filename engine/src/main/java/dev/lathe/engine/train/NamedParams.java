package dev.lathe.engine.train;

import dev.lathe.engine.nn.Module;
import dev.lathe.engine.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** Picks the trainable parameters of a module and decides which ones get weight decay. */
public final class NamedParams {
  private NamedParams() {}

  // Like transformers' get_decay_parameter_names: no decay on biases and normalisation weights.
  private static final Pattern NO_DECAY = Pattern.compile("(^|\\.)bias$|norm", Pattern.CASE_INSENSITIVE);

  /** Parameters that currently require grad, with their dotted names. */
  public static Map<String, Tensor> trainable(Module m) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    m.namedParameters().forEach((n, t) -> { if (t.requiresGrad()) out.put(n, t); });
    if (out.isEmpty()) throw new IllegalArgumentException("the model has no trainable parameter (all are frozen)");
    return out;
  }

  public static boolean decays(String name) {
    return !NO_DECAY.matcher(name).find();
  }
}
