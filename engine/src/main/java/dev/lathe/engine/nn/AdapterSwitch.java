package dev.lathe.engine.nn;

/**
 * The model-wide on/off switch every LoRA layer of one model reads. Reference passes of
 * DPO-style trainers run the same weights with adapters off:
 * {@code try (var off = sw.disabled()) { ... }} restores the previous state when closed.
 */
public final class AdapterSwitch {
  private boolean enabled = true;

  public boolean enabled() { return enabled; }

  public void set(boolean on) { enabled = on; }

  /** Turns adapters off until the returned handle is closed. */
  public Restore disabled() {
    Restore r = new Restore(this, enabled);
    enabled = false;
    return r;
  }

  /** Restores the switch to its earlier state; no checked exception, for try-with-resources. */
  public record Restore(AdapterSwitch sw, boolean previous) implements AutoCloseable {
    @Override
    public void close() { sw.enabled = previous; }
  }
}
