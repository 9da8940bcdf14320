package dev.lathe.engine.train.ebft;

/**
 * One strided-mode document: its real tokens (no padding) and, for prompt + completion rows, the
 * prompt's length (0 for raw text). Anchors start after the prompt; the CE term covers completion tokens.
 */
public record StridedDoc(int[] ids, int promptLength) {
  public StridedDoc {
    if (ids.length == 0) throw new IllegalArgumentException("a strided document needs at least one token");
    if (promptLength < 0 || promptLength > ids.length) throw new IllegalArgumentException("prompt length " + promptLength + " outside 0.." + ids.length);
  }
}
