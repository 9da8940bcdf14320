package dev.lathe.engine.align;

/** A DPO term with its {@code loss_weights} entry. */
public record Weighted(DpoTerm term, double weight) {
  public Weighted {
    if (term == null) throw new IllegalArgumentException("term must not be null");
    if (!Double.isFinite(weight)) throw new IllegalArgumentException("loss weight must be finite, got " + weight);
  }
}
