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
    return v;
  }

  private void put(String token, int id) {
    ids.put(token, id);
    size = Math.max(size, id + 1);
  }

  int id(String token) {
    Integer id = token == null ? null : ids.get(token);
    return id == null ? -1 : id;
  }

  List<String> specialList() {
    return new ArrayList<>(specials.values());
  }
}
