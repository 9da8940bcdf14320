package dev.lathe.engine.model;

import dev.lathe.engine.nn.AdapterSwitch;
import dev.lathe.engine.nn.AttentionMask;
import dev.lathe.engine.tensor.Autocast;
import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Runtime;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import java.util.List;

/**
 * One decoder forward under layer-wise gradient checkpointing. The layers run without a graph;
 * only each layer's input [b, s, h] and the RNG state before it (LoRA dropout) are kept, plus the
 * rotary tables and the mask. The last layer's output is a fresh leaf that the rest of the model
 * (final norm, head, loss) builds its graph on. After the caller's loss.backward(), {@link #backward}
 * recomputes the layers last to first with a graph, one at a time, and chains the input gradients
 * down to the embedding output, so parameter gradients accumulate as in an ordinary backward.
 * The saved tensors live in the pass's own scope (step code may close its scopes before the
 * backward); {@link #release} frees them, and a pass whose loss never ran backward is released by
 * the next {@code backwardCheckpointed} (its output has no gradient).
 */
final class CheckpointedPass {
  private final List<DecoderLayer> layers;
  private final Tensor embedded; // [b, s, h] with the embedding's graph (no grad when frozen)
  private final Tensor[] inputs; // detached layer inputs [b, s, h]
  private final Tensor[] rng; // generator state before each layer
  private final Tensor[] cosSin;
  private final AttentionMask mask;
  private final AdapterSwitch adapters;
  private final boolean adaptersOn;
  private final boolean autocast;
  private final Scope saved = Scope.detached(); // owns everything above: callers may close their scope before backward
  private Tensor output; // leaf [b, s, h] the rest of the graph hangs on
  private boolean done;

  private CheckpointedPass(List<DecoderLayer> layers, Tensor embedded, Tensor[] cosSin, AttentionMask mask,
      AdapterSwitch adapters) {
    this.layers = layers;
    this.embedded = saved.own(embedded.share());
    this.inputs = new Tensor[layers.size()];
    this.rng = new Tensor[layers.size()];
    this.cosSin = new Tensor[cosSin.length];
    for (int i = 0; i < cosSin.length; i++) this.cosSin[i] = saved.own(cosSin[i].share());
    this.mask = mask.sharedInto(saved);
    this.adapters = adapters;
    this.adaptersOn = adapters == null || adapters.enabled();
    this.autocast = Autocast.enabled();
  }

  /** Runs the layers without a graph; returns the pass, whose {@link #output} continues the forward. */
  static CheckpointedPass forward(List<DecoderLayer> layers, Tensor embedded, Tensor[] cosSin,
      AttentionMask mask, AdapterSwitch adapters) {
    CheckpointedPass p = new CheckpointedPass(layers, embedded, cosSin, mask, adapters);
    Tensor x = embedded.detach();
    try (var g = Grad.disabled()) {
      for (int i = 0; i < layers.size(); i++) {
        p.inputs[i] = p.saved.own(x);
        p.rng[i] = p.saved.own(Runtime.rngState());
        try (Scope s = Scope.open()) { // frees the layer's intermediates right away
          x = s.keep(layers.get(i).forward(x, cosSin, mask, null));
        }
      }
    }
    p.output = p.saved.own(x).requiresGrad_(true); // made under no-grad, so a leaf
    return p;
  }

  Tensor output() { return output; }

  /** True once backward ran or the pass was released. */
  boolean finished() { return done; }

  /**
   * Recomputes each layer with a graph and back-propagates the gradient that reached the output.
   * Does nothing but release when the loss did not depend on this pass. Leaves the generator's
   * state as it was before the call, so later random draws match a run without checkpointing.
   */
  void backward() {
    if (finished()) return;
    Tensor g = output.grad();
    if (g == null) { release(); return; }
    Tensor rngAfter = Runtime.rngState();
    boolean adaptersBefore = adapters == null || adapters.enabled();
    try (var gm = Grad.enabled(); var ac = Autocast.of(autocast)) {
      if (adapters != null) adapters.set(adaptersOn);
      for (int i = layers.size() - 1; i >= 0; i--) g = layerBackward(i, g);
      if (embedded.requiresGrad()) embedded.backward(g, false, false);
    } finally {
      if (adapters != null) adapters.set(adaptersBefore);
      Runtime.setRngState(rngAfter);
      rngAfter.close();
      g.close();
      release();
    }
  }

  /** Recomputes layer i from its saved input, back-propagates gOut, returns d input (in the caller's scope). */
  private Tensor layerBackward(int i, Tensor gOut) {
    try (Scope s = Scope.open()) {
      Runtime.setRngState(rng[i]);
      Tensor x = inputs[i].detach().requiresGrad_(true);
      Tensor y = layers.get(i).forward(x, cosSin, mask, null);
      y.backward(gOut, false, false);
      gOut.close();
      return s.keep(x.grad());
    }
  }

  /** Frees the saved inputs, RNG states, tables, mask and output leaf. */
  void release() {
    done = true;
    saved.close();
  }
}
