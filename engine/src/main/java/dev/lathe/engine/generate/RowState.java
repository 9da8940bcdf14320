package dev.lathe.engine.generate;

import dev.lathe.engine.text.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/** What one row has generated so far and whether it has finished (Java side, no tensors). */
final class RowState {
  final List<Integer> tokens = new ArrayList<>();
  final List<Float> logprobs = new ArrayList<>();
  final List<Float> thresholds = new ArrayList<>();
  String finish;
  String text;
  /** The row's own random stream when its request has a seed, else null (libtorch's global generator). */
  final RowRandom random;

  RowState() { this(null); }

  RowState(RowRandom random) { this.random = random; }

  boolean done() { return finish != null; }

  void add(int token, float logprob, float threshold, Sampling s, Tokenizer tok) {
    tokens.add(token);
    logprobs.add(logprob);
    thresholds.add(threshold);
    if (s.eosIds().contains(token)) {
      finish = "eos";
    } else if (!s.stopStrings().isEmpty() && tok != null) {
      checkStops(s, tok);
    }
    if (finish == null && tokens.size() >= s.maxNewTokens()) finish = "length";
  }

  // Only the decoded tail can hold a stop string that was not there one token ago; a few tokens of
  // margin beyond the longest stop covers tokens that decode to nothing (partial UTF-8, specials).
  private void checkStops(Sampling s, Tokenizer tok) {
    int longest = 0;
    for (String stop : s.stopStrings()) longest = Math.max(longest, stop.length());
    int n = Math.min(tokens.size(), longest + 4);
    int[] tail = new int[n];
    for (int i = 0; i < n; i++) tail[i] = tokens.get(tokens.size() - n + i);
    String t = tok.decode(tail, true);
    for (String stop : s.stopStrings()) {
      if (!t.contains(stop)) continue;
      String full = tok.decode(ids(false), true);
      int at = full.indexOf(stop);
      if (at >= 0) {
        finish = "stop";
        text = full.substring(0, at);
        return;
      }
    }
  }

  int[] ids(boolean withEos) {
    int n = tokens.size();
    if (!withEos && finish != null && finish.equals("eos")) n--;
    int[] out = new int[n];
    for (int i = 0; i < n; i++) out[i] = tokens.get(i);
    return out;
  }

  Completion complete(int prompt, int sample, int[] promptIds, long version, Tokenizer tok) {
    if (finish == null) finish = "length";
    String out = text != null ? text : tok == null ? null : tok.decode(ids(false), true);
    return new Completion(prompt, sample, ids(true), out, floats(logprobs), finish, promptIds.clone(), floats(thresholds), version);
  }

  private static float[] floats(List<Float> xs) {
    float[] out = new float[xs.size()];
    for (int i = 0; i < out.length; i++) out[i] = xs.get(i);
    return out;
  }
}
