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

  boolean done() { return finish != null; }

  void add(int token, float logprob, float threshold, Sampling s, Tokenizer tok) {
    tokens.add(token);
    logprobs.add(logprob);
    thresholds.add(threshold);
    if (s.eosIds().contains(token)) {
      finish = "eos";
    } else if (!s.stopStrings().isEmpty() && tok != null) {
      String t = tok.decode(ids(false), true);
      for (String stop : s.stopStrings()) {
        int at = t.indexOf(stop);
        if (at >= 0) {
          finish = "stop";
          text = t.substring(0, at);
          return;
        }
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
