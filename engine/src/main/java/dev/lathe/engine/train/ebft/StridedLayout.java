package dev.lathe.engine.train.ebft;

/**
 * Strided mode's block-parallel geometry (ebft-nemogym.md §A.7.2–A.7.4, §A.7.6, §A.7.8). A document of
 * s tokens gets nb = (s − g − anchorOffset) / stride + 1 anchors a_b = anchorOffset + b·stride; block b
 * generates g tokens that stand in for document tokens [a_b, a_b + g). The generated tokens follow the
 * document step-major: token t of block b sits at position p(t, b) = s + t·nb + b, with position id
 * a_b + t (the id of the document token it replaces). Attention: document tokens are plain causal; a
 * generated token sees the document before its anchor, the earlier tokens of its own block and itself.
 */
public record StridedLayout(int documentLength, int anchorOffset, int stride, int blockLength, int blocks) {

  /** The layout of a (padded) document length, or blocks = 0 when no block fits. */
  public static StridedLayout of(int documentLength, int anchorOffset, int stride, int blockLength) {
    int room = documentLength - blockLength - anchorOffset;
    int nb = room < 0 ? 0 : room / stride + 1;
    return new StridedLayout(documentLength, anchorOffset, stride, blockLength, nb);
  }

  /** Full length after generating `steps` tokens per block. */
  public int length(int steps) { return documentLength + steps * blocks; }

  public int anchor(int block) { return anchorOffset + block * stride; }

  public int position(int step, int block) { return documentLength + step * blocks + block; }

  public int stepOf(int position) { return (position - documentLength) / blocks; }

  /** Block of a generated position: the layout is step-major, so it is (p − s) mod nb (Axolotl uses (p − s) / g). */
  public int blockOf(int position) { return (position - documentLength) % blocks; }

  /** Position ids [length(steps)]: 0.. for the document, a_b + t for generated token (t, b). */
  public long[] positionIds(int steps) {
    long[] out = new long[length(steps)];
    for (int i = 0; i < documentLength; i++) out[i] = i;
    for (int t = 0; t < steps; t++) for (int b = 0; b < blocks; b++) out[position(t, b)] = anchor(b) + t;
    return out;
  }

  /** Whether query q may see key k (both < length(steps)). */
  public boolean allowed(int q, int k) {
    int s = documentLength;
    if (q < s) return k <= q;
    if (k == q) return true;
    int b = blockOf(q);
    if (k < s) return k < Math.min(anchor(b), s - blockLength);
    return blockOf(k) == b && stepOf(k) < stepOf(q);
  }

  /** The mask [length(steps), length(steps)] row-major, true = may attend. */
  public boolean[] mask(int steps) {
    int n = length(steps);
    boolean[] out = new boolean[n * n];
    for (int q = 0; q < n; q++) for (int k = 0; k < n; k++) out[q * n + k] = allowed(q, k);
    return out;
  }

  /**
   * Where the logits that sampled generated token p come from: the last context token a_b − 1 for the
   * first step, else the block's previous token p − nb (the authors' semantics; Axolotl scores p with
   * the logits at p − 1, which belong to another block or the document's end).
   */
  public int logitSource(int position) {
    int t = stepOf(position), b = blockOf(position);
    return t == 0 ? anchor(b) - 1 : position - blocks;
  }
}
