package dev.lathe.engine.nn;

import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tree of named parameters, buffers and child modules. A module owns its tensors through a
 * detached {@link Scope}: they outlive every step scope and are freed by {@link #close()}.
 * Names follow Hugging Face's dotted convention ("layers.0.self_attn.q_proj.weight").
 */
public abstract class Module implements AutoCloseable {
  private final Scope owned = Scope.detached();
  private final Map<String, Tensor> params = new LinkedHashMap<>();
  private final Map<String, Tensor> buffers = new LinkedHashMap<>();
  private final Map<String, Module> children = new LinkedHashMap<>();
  private boolean training = true;

  /** Registers a trainable parameter; the module takes ownership of init. */
  protected Tensor param(String name, Tensor init) {
    Tensor p = owned.own(init);
    p.requiresGrad_(true);
    params.put(name, p);
    return p;
  }

  /** Registers a non-trainable tensor (rotary tables, masks) owned by this module. */
  protected Tensor buffer(String name, Tensor t) {
    buffers.put(name, owned.own(t));
    return t;
  }

  protected <M extends Module> M child(String name, M m) {
    children.put(name, m);
    m.train(training);
    return m;
  }

  /** The registered child of that name (forward passes look children up so a swap takes effect). */
  protected Module childAt(String name) {
    Module m = children.get(name);
    if (m == null) throw new IllegalStateException(getClass().getSimpleName() + " has no child '" + name + "'");
    return m;
  }

  /** Replaces a registered child (e.g. a Linear by its LoRA wrapper). Returns the old one. */
  public Module replaceChild(String name, Module m) {
    if (!children.containsKey(name)) throw new IllegalArgumentException("no child module '" + name + "'");
    m.train(training); // a LoRA layer added to a model in eval mode must not apply dropout
    return children.put(name, m);
  }

  /**
   * The direct children in registration order. A copy, so callers may replace children while
   * iterating; ordered, because LoRA initialises adapters in this order from the seeded generator
   * (Map.copyOf's order is salted per JVM start and made every LoRA run differ).
   */
  public Map<String, Module> children() { return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(children)); }

  /** This module ("") and every descendant, by dotted path, parents before children. */
  public Map<String, Module> namedModules() {
    Map<String, Module> out = new LinkedHashMap<>();
    walk("", out);
    return out;
  }

  private void walk(String path, Map<String, Module> out) {
    out.put(path, this);
    children.forEach((n, m) -> m.walk(path.isEmpty() ? n : path + "." + n, out));
  }

  /** All parameters with dotted names, in registration order. */
  public Map<String, Tensor> namedParameters() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    collect("", out, false);
    return out;
  }

  /** Parameters and buffers, with dotted names. */
  public Map<String, Tensor> stateDict() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    collect("", out, true);
    return out;
  }

  private void collect(String prefix, Map<String, Tensor> out, boolean withBuffers) {
    params.forEach((n, t) -> out.put(prefix + n, t));
    if (withBuffers) buffers.forEach((n, t) -> out.put(prefix + n, t));
    children.forEach((n, m) -> m.collect(prefix + n + ".", out, withBuffers));
  }

  public List<Tensor> parameters() { return new ArrayList<>(namedParameters().values()); }

  /** Parameters that currently require grad (e.g. only LoRA adapters). */
  public List<Tensor> trainableParameters() {
    List<Tensor> out = new ArrayList<>();
    for (Tensor t : namedParameters().values()) if (t.requiresGrad()) out.add(t);
    return out;
  }

  public long parameterCount() {
    long n = 0;
    for (Tensor t : namedParameters().values()) n += t.numel();
    return n;
  }

  /** Freezes or unfreezes every parameter of this subtree. */
  public void requiresGrad(boolean on) {
    for (Tensor t : namedParameters().values()) t.requiresGrad_(on);
  }

  /** Copies values into an existing parameter/buffer, checking the shape; names the tensor on mismatch. */
  public void load(String name, Tensor value) {
    Tensor dst = stateDict().get(name);
    if (dst == null) throw new IllegalArgumentException("unexpected weight '" + name + "': the model has no such parameter");
    if (!java.util.Arrays.equals(dst.shape(), value.shape())) {
      throw new IllegalArgumentException("weight '" + name + "' has shape " + java.util.Arrays.toString(value.shape())
          + ", the model expects " + java.util.Arrays.toString(dst.shape()));
    }
    try (var g = Grad.disabled()) {
      dst.copy_(value);
    }
  }

  public void train(boolean on) {
    training = on;
    children.values().forEach(m -> m.train(on));
  }

  public boolean isTraining() { return training; }

  /** Drops every parameter's gradient. */
  public void zeroGrad() {
    for (Tensor t : namedParameters().values()) t.zeroGrad();
  }

  @Override
  public void close() {
    children.values().forEach(Module::close);
    owned.close();
  }
}
