package dev.lathe.engine.serve;

import dev.lathe.engine.generate.Completion;
import dev.lathe.engine.text.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Pieces of OpenAI/vLLM responses built from {@link Completion}s: finish reasons, log-probs, usage. */
final class Choices {
  private Choices() {}

  /** OpenAI's finish_reason: EOS and stop strings are "stop", truncation is "length". */
  static String finishReason(Completion c) { return c.finishReason().equals("length") ? "length" : "stop"; }

  static String tokenText(Tokenizer tok, int id, boolean asIds) { return asIds ? "token_id:" + id : tok.decode(new int[]{id}, false); }

  /** /v1/completions "logprobs": tokens, token_logprobs, top_logprobs (the sampled token only), text_offset. */
  static Map<String, Object> completionLogprobs(Completion c, Tokenizer tok, boolean asIds) {
    List<String> tokens = new ArrayList<>();
    List<Object> lps = new ArrayList<>();
    List<Map<String, Object>> top = new ArrayList<>();
    List<Integer> offsets = new ArrayList<>();
    int offset = 0;
    for (int i = 0; i < c.tokens().length; i++) {
      String t = tokenText(tok, c.tokens()[i], asIds);
      tokens.add(t);
      lps.add(ServeContext.finite(c.logprobs()[i]));
      Map<String, Object> one = new LinkedHashMap<>();
      one.put(t, ServeContext.finite(c.logprobs()[i]));
      top.add(one);
      offsets.add(offset);
      offset += t.length();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("tokens", tokens);
    m.put("token_logprobs", lps);
    m.put("top_logprobs", top);
    m.put("text_offset", offsets);
    return m;
  }

  /** /v1/chat/completions "logprobs": {content: [{token, logprob, bytes, top_logprobs: []}]}. */
  static Map<String, Object> chatLogprobs(Completion c, Tokenizer tok, boolean asIds, int from, int to) {
    List<Map<String, Object>> content = new ArrayList<>();
    for (int i = from; i < to; i++) {
      String t = tokenText(tok, c.tokens()[i], asIds);
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("token", t);
      e.put("logprob", ServeContext.finite(c.logprobs()[i]));
      List<Integer> bytes = new ArrayList<>();
      for (byte b : t.getBytes(java.nio.charset.StandardCharsets.UTF_8)) bytes.add(b & 0xff);
      e.put("bytes", bytes);
      e.put("top_logprobs", List.of());
      content.add(e);
    }
    return Map.of("content", content);
  }

  static List<Object> floats(float[] v) {
    List<Object> out = new ArrayList<>(v.length);
    for (float x : v) out.add(ServeContext.finite(x));
    return out;
  }

  static List<Integer> ints(int[] v) {
    List<Integer> out = new ArrayList<>(v.length);
    for (int x : v) out.add(x);
    return out;
  }

  static Map<String, Object> usage(List<int[]> prompts, List<Completion> out) {
    int p = 0;
    for (int[] x : prompts) p += x.length;
    int c = 0;
    for (Completion x : out) c += x.tokens().length;
    Map<String, Object> u = new LinkedHashMap<>();
    u.put("prompt_tokens", p);
    u.put("completion_tokens", c);
    u.put("total_tokens", p + c);
    return u;
  }
}
