package dev.lathe.engine.text;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON objects of a tokenizer.json, in the shapes the tokenizers library reads. */
final class TokenizerJsonParts {
  private TokenizerJsonParts() {}

  static final String UNK = "<unk>";

  static List<Object> addedTokens(List<String> specials, Map<String, Integer> vocab) {
    List<Object> out = new ArrayList<>();
    for (String s : specials) out.add(addedToken(vocab.get(s), s));
    return out;
  }

  private static Map<String, Object> addedToken(int id, String content) {
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("id", id);
    t.put("content", content);
    t.put("single_word", false);
    t.put("lstrip", false);
    t.put("rstrip", false);
    t.put("normalized", false);
    t.put("special", true);
    return t;
  }

  /** tokenizer_config.json's added_tokens_decoder: {"id": {content, lstrip, ...}}. */
  static Map<String, Object> addedTokensDecoder(List<String> specials, boolean byteLevel, Map<String, Integer> vocab) {
    List<String> all = new ArrayList<>(specials);
    if (!byteLevel) all.add(UNK);
    Map<String, Object> out = new LinkedHashMap<>();
    for (String s : all) {
      Map<String, Object> t = addedToken(vocab.get(s), s);
      t.remove("id");
      out.put(String.valueOf(vocab.get(s)), t);
    }
    return out;
  }

  static Map<String, Object> byteLevel(boolean addPrefixSpace, boolean trimOffsets) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "ByteLevel");
    m.put("add_prefix_space", addPrefixSpace);
    m.put("trim_offsets", trimOffsets);
    m.put("use_regex", true);
    return m;
  }

  static Map<String, Object> bpe(Map<String, Integer> vocab, List<String> merges) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "BPE");
    m.put("dropout", null);
    m.put("unk_token", null);
    m.put("continuing_subword_prefix", null);
    m.put("end_of_word_suffix", null);
    m.put("fuse_unk", false);
    m.put("byte_fallback", false);
    m.put("vocab", vocab);
    m.put("merges", merges);
    return m;
  }

  static Map<String, Object> wordLevel(Map<String, Integer> vocab) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "WordLevel");
    m.put("vocab", vocab);
    m.put("unk_token", UNK);
    return m;
  }

  /** Every character its own piece: Split on any single character, kept in isolation. */
  static Map<String, Object> charSplit() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "Split");
    m.put("pattern", Map.of("Regex", "[\\s\\S]"));
    m.put("behavior", "Isolated");
    m.put("invert", false);
    return m;
  }

  /** TemplateProcessing that puts BOS before every sequence (Llama 3 style). */
  static Map<String, Object> prependBos(String bos, int bosId) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "TemplateProcessing");
    m.put("single", List.of(special(bos, 0), sequence("A", 0)));
    m.put("pair", List.of(special(bos, 0), sequence("A", 0), special(bos, 1), sequence("B", 1)));
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("id", bos);
    entry.put("ids", List.of(bosId));
    entry.put("tokens", List.of(bos));
    m.put("special_tokens", Map.of(bos, entry));
    return m;
  }

  private static Map<String, Object> special(String id, int typeId) {
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("id", id);
    inner.put("type_id", typeId);
    return Map.of("SpecialToken", inner);
  }

  private static Map<String, Object> sequence(String id, int typeId) {
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("id", id);
    inner.put("type_id", typeId);
    return Map.of("Sequence", inner);
  }
}
