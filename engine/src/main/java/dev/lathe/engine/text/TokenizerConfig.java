package dev.lathe.engine.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.engine.io.AtomicFiles;
import dev.lathe.engine.io.FormatException;
import dev.lathe.engine.io.JsonFiles;
import dev.lathe.engine.io.PyJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * tokenizer_config.json: special token strings (plain strings or {"content": ...} objects),
 * add_bos_token / add_eos_token (null when absent: the post-processor decides), and chat
 * templates (a string, or a list of {name, template}; the string form is named "default").
 * Other keys (added_tokens_decoder, tokenizer_class, ...) are kept and written back.
 */
public record TokenizerConfig(
    String bosToken,
    String eosToken,
    String padToken,
    String unkToken,
    Boolean addBosToken,
    Boolean addEosToken,
    List<String> additionalSpecialTokens,
    Map<String, String> chatTemplates,
    Map<String, Object> extra) {

  private static final List<String> TOKEN_KEYS = List.of("bos_token", "eos_token", "pad_token", "unk_token");

  public TokenizerConfig {
    additionalSpecialTokens = List.copyOf(additionalSpecialTokens);
    chatTemplates = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(chatTemplates));
    extra = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extra));
  }

  public static TokenizerConfig empty() {
    return new TokenizerConfig(null, null, null, null, null, null, List.of(), Map.of(), Map.of());
  }

  /** Reads a tokenizer_config.json; a missing file gives empty(). */
  public static TokenizerConfig read(Path file) {
    if (!Files.exists(file)) return empty();
    JsonNode root = JsonFiles.readObject(file);
    Map<String, Object> extra = JsonFiles.toMap(root);
    String[] tokens = new String[4];
    for (int i = 0; i < 4; i++) {
      extra.remove(TOKEN_KEYS.get(i));
      tokens[i] = tokenString(file, TOKEN_KEYS.get(i), root.get(TOKEN_KEYS.get(i)));
    }
    List<String> additional = new ArrayList<>();
    JsonNode add = root.get("additional_special_tokens");
    extra.remove("additional_special_tokens");
    if (add != null && !add.isNull()) {
      if (!add.isArray()) throw new FormatException(file, "key 'additional_special_tokens': expected a list, found " + add);
      for (JsonNode t : add) additional.add(tokenString(file, "additional_special_tokens", t));
    }
    extra.remove("chat_template");
    return new TokenizerConfig(tokens[0], tokens[1], tokens[2], tokens[3], bool(file, root, "add_bos_token", extra),
        bool(file, root, "add_eos_token", extra), additional, templates(file, root.get("chat_template")), extra);
  }

  /** A special token written as "<s>" or {"content": "<s>", ...}; null stays null. */
  static String tokenString(Path file, String key, JsonNode v) {
    if (v == null || v.isNull()) return null;
    if (v.isTextual()) return v.asText();
    if (v.isObject() && v.has("content") && v.get("content").isTextual()) return v.get("content").asText();
    throw new FormatException(file, "key '" + key + "': expected a token string or {\"content\": ...}, found " + v);
  }

  private static Boolean bool(Path file, JsonNode root, String key, Map<String, Object> extra) {
    extra.remove(key);
    JsonNode v = root.get(key);
    if (v == null || v.isNull()) return null;
    if (!v.isBoolean()) throw new FormatException(file, "key '" + key + "': expected true or false, found " + v);
    return v.asBoolean();
  }

  private static Map<String, String> templates(Path file, JsonNode v) {
    Map<String, String> out = new LinkedHashMap<>();
    if (v == null || v.isNull()) return out;
    if (v.isTextual()) {
      out.put("default", v.asText());
      return out;
    }
    if (!v.isArray()) throw new FormatException(file, "key 'chat_template': expected a string or a list of {name, template}, found " + v.getNodeType());
    for (JsonNode t : v) {
      if (!t.isObject() || !t.path("name").isTextual() || !t.path("template").isTextual()) {
        throw new FormatException(file, "key 'chat_template': every list entry needs string 'name' and 'template', found " + t);
      }
      out.put(t.get("name").asText(), t.get("template").asText());
    }
    return out;
  }

  /** The template named "default" (or the only one), or null. */
  public String defaultChatTemplate() {
    if (chatTemplates.containsKey("default")) return chatTemplates.get("default");
    return chatTemplates.size() == 1 ? chatTemplates.values().iterator().next() : null;
  }

  public TokenizerConfig withChatTemplate(String name, String source) {
    Map<String, String> t = new LinkedHashMap<>(chatTemplates);
    t.put(name, source);
    return new TokenizerConfig(bosToken, eosToken, padToken, unkToken, addBosToken, addEosToken,
        additionalSpecialTokens, t, extra);
  }

  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>(extra);
    if (addBosToken != null) m.put("add_bos_token", addBosToken);
    if (addEosToken != null) m.put("add_eos_token", addEosToken);
    m.put("bos_token", bosToken);
    m.put("eos_token", eosToken);
    m.put("pad_token", padToken);
    m.put("unk_token", unkToken);
    if (!additionalSpecialTokens.isEmpty()) m.put("additional_special_tokens", additionalSpecialTokens);
    if (chatTemplates.size() == 1 && chatTemplates.containsKey("default")) {
      m.put("chat_template", chatTemplates.get("default"));
    } else if (!chatTemplates.isEmpty()) {
      List<Map<String, String>> list = new ArrayList<>();
      chatTemplates.forEach((n, t) -> list.add(Map.of("name", n, "template", t)));
      m.put("chat_template", list);
    }
    return m;
  }

  /** Writes tokenizer_config.json (indent 2, sorted keys as transformers does), atomically. */
  public void write(Path file) {
    AtomicFiles.writeString(file, PyJson.file(toJson(), true));
  }
}
