package dev.lathe.engine.generate;

/**
 * One row of the running decode batch (Java side): its request, what it generated, and where it
 * lives in the RowKvCache (first real slot, next write slot; its position id is slot - start).
 */
final class LiveRow {
  final Queued owner;
  final int sample;
  final RowState state;
  final long start;
  long slot;
  int fed = -1; // token to feed at the next forward

  LiveRow(Queued owner, int sample, long start, long slot) {
    this.owner = owner;
    this.sample = sample;
    this.start = start;
    this.slot = slot;
    Request q = owner.request;
    this.state = new RowState(RowRandom.of(q.sampling().seed(), q.prompt(), sample));
  }

  Sampling sampling() { return owner.request.sampling(); }

  /** Prompt and generated ids so far (the repetition penalty's history). */
  int[] history() {
    int[] p = owner.request.promptIds();
    int[] out = new int[p.length + state.tokens.size()];
    System.arraycopy(p, 0, out, 0, p.length);
    for (int i = 0; i < state.tokens.size(); i++) out[p.length + i] = state.tokens.get(i);
    return out;
  }
}
