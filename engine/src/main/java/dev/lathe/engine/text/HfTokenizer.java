package dev.lathe.engine.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.lathe.engine.io.FormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face tokenizer folder: tokenizer.json through DJL's binding of HF tokenizers (with
 * truncation and padding switched off: DJL would otherwise cut every text at 512 tokens),
 * tokenizer_config.json for special tokens, BOS/EOS flags and chat templates, and
 * chat_template.jinja when present (newer transformers save the template there).
 *
 * <p>encode(text, true) follows tokenizer.json's post-processor, except where
 * tokenizer_config.json sets add_bos_token / add_eos_token explicitly, which wins (as in
 * transformers' Llama tokenizer).
 */
public final class HfTokenizer implements Tokenizer, AutoCloseable {
  // DJL logs through SLF4J, which reaches java.util.logging (slf4j-jdk14, engine/pom.xml). Lathe uses DJL
  // only for the tokenizers native library, so DJL's engine notes ("Failed to detect GPU count", the
  // platform it matched) say nothing about a run: only its errors are shown unless JUL is configured.
  private static final java.util.logging.Logger DJL_LOG = java.util.logging.Logger.getLogger("ai.djl");

  static {
    if (DJL_LOG.getLevel() == null) DJL_LOG.setLevel(java.util.logging.Level.SEVERE);
  }

  private final Path dir;
  private final HuggingFaceTokenizer djl;
  private final TokenizerVocab vocab;
  private final TokenizerConfig config;
  private final int bosId;
  private final int eosId;
  private final boolean postAddsBos;
  private final boolean postAddsEos;

  private HfTokenizer(Path dir, HuggingFaceTokenizer djl, TokenizerVocab vocab, TokenizerConfig config) {
    this.dir = dir;
    this.djl = djl;
    this.vocab = vocab;
    this.config = config;
    this.bosId = vocab.id(config.bosToken());
    this.eosId = vocab.id(config.eosToken());
    // What the post-processor adds, probed once on a one-character text.
    long[] with = djl.encode("a", true, false).getIds();
    long[] without = djl.encode("a", false, false).getIds();
    this.postAddsBos = bosId >= 0 && with.length > without.length && with[0] == bosId;
    this.postAddsEos = eosId >= 0 && with.length > without.length && with[with.length - 1] == eosId;
  }

  /** Loads dir/tokenizer.json (required), dir/tokenizer_config.json and dir/chat_template.jinja (optional). */
  public static HfTokenizer load(Path dir) {
    Path json = dir.resolve("tokenizer.json");
    if (!Files.isRegularFile(json)) throw new FormatException(json, "file not found (a tokenizer folder needs tokenizer.json)");
    TokenizerConfig config = TokenizerConfig.read(dir.resolve("tokenizer_config.json"));
    Path jinja = dir.resolve("chat_template.jinja");
    if (Files.isRegularFile(jinja)) config = config.withChatTemplate("default", readString(jinja));
    HuggingFaceTokenizer djl;
    try {
      djl = HuggingFaceTokenizer.newInstance(json, Map.of("truncation", "false", "padding", "false"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + json + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new FormatException(json, "tokenizer.json does not parse: " + e.getMessage(), e);
    }
    try {
      TokenizerVocab vocab = TokenizerVocab.read(json);
      checkSpecials(dir.resolve("tokenizer_config.json"), config, vocab);
      return new HfTokenizer(dir, djl, vocab, config);
    } catch (RuntimeException e) {
      djl.close();
      throw e;
    }
  }

  private static void checkSpecials(Path file, TokenizerConfig c, TokenizerVocab v) {
    String[][] named = {{"bos_token", c.bosToken()}, {"eos_token", c.eosToken()}, {"pad_token", c.padToken()}, {"unk_token", c.unkToken()}};
    for (String[] t : named) {
      if (t[1] != null && v.id(t[1]) < 0) {
        throw new FormatException(file, "key '" + t[0] + "': token '" + t[1] + "' is not in the vocabulary of tokenizer.json");
      }
    }
  }

  private static String readString(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
    }
  }

  public Path dir() {
    return dir;
  }

  public TokenizerConfig config() {
    return config;
  }

  @Override
  public int[] encode(String text, boolean addSpecialTokens) {
    long[] raw = djl.encode(text, addSpecialTokens, false).getIds();
    List<Integer> ids = new ArrayList<>(raw.length + 2);
    for (long id : raw) ids.add((int) id);
    if (addSpecialTokens) {
      adjust(ids, config.addBosToken(), postAddsBos, bosId, true);
      adjust(ids, config.addEosToken(), postAddsEos, eosId, false);
    }
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Applies an explicit add_bos/add_eos flag over what the post-processor did. */
  private static void adjust(List<Integer> ids, Boolean wanted, boolean added, int id, boolean front) {
    if (wanted == null || id < 0 || wanted == added) return;
    if (wanted) {
      if (front) ids.addFirst(id);
      else ids.addLast(id);
    } else if (!ids.isEmpty()) {
      if (front && ids.getFirst() == id) ids.removeFirst();
      if (!front && ids.getLast() == id) ids.removeLast();
    }
  }

  @Override
  public String decode(int[] ids, boolean skipSpecialTokens) {
    return djl.decode(Arrays.stream(ids).asLongStream().toArray(), skipSpecialTokens);
  }

  @Override
  public int tokenToId(String token) {
    return vocab.id(token);
  }

  @Override
  public int maxBytesPerToken() {
    return vocab.maxBytesPerToken();
  }

  @Override
  public int vocabSize() {
    return vocab.size;
  }

  @Override
  public String bosToken() {
    return config.bosToken();
  }

  @Override
  public String eosToken() {
    return config.eosToken();
  }

  @Override
  public String padToken() {
    return config.padToken();
  }

  /** unk_token from tokenizer_config.json, or null. */
  public String unkToken() {
    return config.unkToken();
  }

  @Override
  public boolean addBosToken() {
    return config.addBosToken() != null ? config.addBosToken() : postAddsBos;
  }

  @Override
  public List<String> specialTokens() {
    List<String> out = vocab.specialList();
    for (String t : new String[] {bosToken(), eosToken(), padToken(), unkToken()}) {
      if (t != null && !out.contains(t)) out.add(t);
    }
    for (String t : config.additionalSpecialTokens()) if (!out.contains(t)) out.add(t);
    return out;
  }

  @Override
  public String chatTemplate() {
    return config.defaultChatTemplate();
  }

  /**
   * Writes this tokenizer into another folder (a checkpoint or an output model): tokenizer.json
   * byte for byte, tokenizer_config.json (chat template included), special_tokens_map.json when
   * the source has one. Each file is written to a temp name and renamed.
   */
  public void saveTo(Path target) {
    try {
      Files.createDirectories(target);
      for (String name : new String[] {"tokenizer.json", "special_tokens_map.json"}) {
        Path src = dir.resolve(name);
        if (!Files.isRegularFile(src)) continue;
        byte[] bytes = Files.readAllBytes(src);
        dev.lathe.engine.io.AtomicFiles.write(target.resolve(name),
            ch -> dev.lathe.engine.io.AtomicFiles.writeFully(ch, java.nio.ByteBuffer.wrap(bytes)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save tokenizer to " + target + ": " + e.getMessage(), e);
    }
    config.write(target.resolve("tokenizer_config.json"));
  }

  @Override
  public void close() {
    djl.close();
  }
}
