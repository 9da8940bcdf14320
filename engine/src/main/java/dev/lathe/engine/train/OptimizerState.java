package dev.lathe.engine.train;

import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;

/** Checks and copies saved optimizer tensors into live ones, naming what does not match. */
final class OptimizerState {
  private OptimizerState() {}

  static void copyInto(Map<String, Tensor> live, Map<String, Tensor> saved, String what) {
    if (!live.keySet().equals(saved.keySet())) {
      TreeSet<String> missing = new TreeSet<>(live.keySet());
      missing.removeAll(saved.keySet());
      TreeSet<String> extra = new TreeSet<>(saved.keySet());
      extra.removeAll(live.keySet());
      throw new IllegalArgumentException(what + " state does not match the parameters being trained: missing "
          + first(missing) + ", unexpected " + first(extra));
    }
    try (var g = Grad.disabled()) {
      for (Map.Entry<String, Tensor> e : live.entrySet()) {
        Tensor src = saved.get(e.getKey());
        if (!Arrays.equals(src.shape(), e.getValue().shape())) {
          throw new IllegalArgumentException(what + " state '" + e.getKey() + "' has shape " + Arrays.toString(src.shape())
              + ", the parameter has " + Arrays.toString(e.getValue().shape()));
        }
        e.getValue().copy_(src);
      }
    }
  }

  private static String first(TreeSet<String> s) {
    if (s.isEmpty()) return "none";
    return s.size() <= 3 ? s.toString() : "[" + String.join(", ", s.stream().limit(3).toList()) + ", ... " + s.size() + " in all]";
  }
}
