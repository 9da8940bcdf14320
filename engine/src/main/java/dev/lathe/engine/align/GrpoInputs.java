package dev.lathe.engine.align;

import dev.lathe.engine.tensor.Tensor;

/**
 * One GRPO micro-batch as the loss sees it. Rows are completions; t runs over completion positions.
 *
 * @param logps [b, t] per-token log-probs of the completion under the policy being trained (with grad;
 *     logits divided by the sampling temperature)
 * @param oldLogps [b, t] under the policy that generated the round, or null when the round is trained
 *     inside the optimizer step that generated it (then old = logps.detach() and the ratio is exactly 1)
 * @param refLogps [b, t] under the reference model, or null when beta = 0
 * @param advantages [b] from {@link GroupAdvantages}
 * @param mask [b, t] 1 on completion tokens that count in the loss (0 on padding and, with
 *     mask_truncated_completions, on every token of a truncated completion)
 * @param entropies [b, t] per-token entropy of the same distribution (no grad), or null (then no
 *     `entropy` metric and top_entropy_quantile must be 1)
 * @param window the accumulation window this micro-batch belongs to (for the normalisers)
 * @param samplerLogps [b, t] the sampler's own log-probs of the completion tokens (the behaviour
 *     policy: a stale snapshot in async GRPO, a generation server), or null; used by the
 *     importance-sampling correction and off-policy masking
 */
public record GrpoInputs(Tensor logps, Tensor oldLogps, Tensor refLogps, Tensor advantages, Tensor mask, Tensor entropies,
    Window window, Tensor samplerLogps) {

  /** Without sampler log-probs (no IS correction; off-policy masking falls back to the old policy). */
  public GrpoInputs(Tensor logps, Tensor oldLogps, Tensor refLogps, Tensor advantages, Tensor mask, Tensor entropies, Window window) {
    this(logps, oldLogps, refLogps, advantages, mask, entropies, window, null);
  }

  /**
   * The optimizer update a micro-batch is part of: its completions, loss-mask tokens and micro-batches.
   * Every normaliser divides by a property of the whole window, so the update does not depend on how
   * the window is cut into micro-batches (except bnpo, whose TRL definition is per micro-batch).
   */
  public record Window(int rows, long tokens, int microBatches) {
    public Window {
      if (rows < 1 || microBatches < 1 || tokens < 0) {
        throw new IllegalArgumentException("window: rows and micro-batches must be >= 1, tokens >= 0; got " + rows + ", " + microBatches + ", " + tokens);
      }
    }

    /** A window of exactly one micro-batch (tests, evaluation). */
    public static Window single(int rows, long tokens) { return new Window(rows, tokens, 1); }
  }

  public GrpoInputs {
    if (logps == null || advantages == null || mask == null || window == null) {
      throw new IllegalArgumentException("GRPO inputs need logps, advantages, mask and window");
    }
    if (logps.dim() != 2 || mask.dim() != 2 || advantages.dim() != 1 || advantages.size(0) != logps.size(0)) {
      throw new IllegalArgumentException("GRPO inputs: expected logps [b, t], mask [b, t], advantages [b]; got "
          + logps.describe() + ", " + mask.describe() + ", " + advantages.describe());
    }
  }
}
