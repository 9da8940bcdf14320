package dev.lathe.engine.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.engine.io.FormatException;
import dev.lathe.engine.io.JsonFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The token <-> id tables of a tokenizer.json (model vocabulary plus added tokens), which the
 * native binding does not expose: tokenToId, vocabulary size and the special-token list.
 */
final class TokenizerVocab {
  final Map<String, Integer> ids = new HashMap<>();
  final Map<Integer, String> specials = new TreeMap<>(); // added tokens marked special, by id
  int size; // highest id + 1: the embedding rows a model needs
  int maxTokenBytes; // UTF-8 length of the longest token string
  int shrink; // how many times smaller the text can get before the model sees it; 0 = unbounded (deletes)

  /**
   * An upper bound on the bytes of input text one token stands for, or 0 when the pipeline may delete text
   * (a normalizer or pre-tokenizer that drops characters, fused unknown runs), so that no bound holds.
   * Token strings are at least as long in UTF-8 as the bytes they stand for (byte-level 'Ġ' is 2 bytes
   * for 1, '▁' 3 for 1, '<0x41>' 6 for 1), so the longest one bounds the normalised text; the shrink
   * factor of normalisation carries the bound back to the input. The data layer uses it to drop a
   * many-megabyte row without tokenizing it: tokens >= ceil(bytes / bound).
   */
  int maxBytesPerToken() {
    return shrink == 0 ? 0 : Math.multiplyExact(maxTokenBytes, shrink);
  }

  static TokenizerVocab read(Path file) {
    JsonNode root = JsonFiles.readObject(file);
    TokenizerVocab v = new TokenizerVocab();
    JsonNode vocab = root.path("model").path("vocab");
    if (vocab.isObject()) {
      for (Map.Entry<String, JsonNode> e : vocab.properties()) v.put(e.getKey(), e.getValue().asInt());
    } else if (vocab.isArray()) { // Unigram: [[piece, score], ...], id = position
      int id = 0;
      for (JsonNode piece : vocab) v.put(piece.path(0).asText(), id++);
    } else {
      throw new FormatException(file, "key 'model.vocab': expected an object or a list, found " + vocab.getNodeType());
    }
    for (JsonNode t : root.path("added_tokens")) {
      if (!t.path("content").isTextual() || !t.path("id").canConvertToInt()) {
        throw new FormatException(file, "key 'added_tokens': every entry needs 'id' and 'content', found " + t);
      }
      v.put(t.get("content").asText(), t.get("id").asInt());
      if (t.path("special").asBoolean(false)) v.specials.put(t.get("id").asInt(), t.get("content").asText());
    }
    JsonNode model = root.path("model");
    boolean unkSafe = !model.path("fuse_unk").asBoolean(false) || model.path("byte_fallback").asBoolean(false);
    v.shrink = "BPE".equals(model.path("type").asText("BPE")) && unkSafe
        ? shrink(root.path("normalizer")) * shrink(root.path("pre_tokenizer")) : 0;
    return v;
  }

  /**
   * How much a normalizer or pre-tokenizer can shrink text, in bytes: 1 when it never removes anything,
   * 4 for Unicode composition (NFC joins e + U+0301, three jamo into one syllable; NFKC maps 4-byte
   * mathematical letters to ASCII), 0 when it may delete characters outright (Strip, Whitespace, Split
   * with behavior Removed, anything unknown), so that no bound holds.
   */
  private static int shrink(JsonNode n) {
    if (n.isMissingNode() || n.isNull()) return 1;
    return switch (n.path("type").asText()) {
      case "Sequence" -> {
        JsonNode parts = n.has("normalizers") ? n.path("normalizers") : n.path("pretokenizers");
        int f = 1;
        for (JsonNode part : parts) f *= shrink(part);
        yield f;
      }
      case "ByteLevel", "Metaspace", "Prepend", "Digits", "NFD", "UnicodeScripts" -> 1;
      case "NFC", "NFKC", "NFKD" -> 4;
      case "Replace" -> n.path("content").asText("").isEmpty() ? 0 : 1;
      case "Split", "Punctuation" -> "Removed".equals(n.path("behavior").asText()) ? 0 : 1;
      default -> 0;
    };
  }

  private void put(String token, int id) {
    ids.put(token, id);
    size = Math.max(size, id + 1);
    maxTokenBytes = (int) Math.max(maxTokenBytes, utf8Length(token));
  }

  static long utf8Length(CharSequence s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else n += 3;
    }
    return n;
  }

  int id(String token) {
    Integer id = token == null ? null : ids.get(token);
    return id == null ? -1 : id;
  }

  List<String> specialList() {
    return new ArrayList<>(specials.values());
  }
}
