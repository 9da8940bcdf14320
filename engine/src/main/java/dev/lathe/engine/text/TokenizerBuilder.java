package dev.lathe.engine.text;

import dev.lathe.engine.io.AtomicFiles;
import dev.lathe.engine.io.PyJson;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Writes a new HF tokenizer folder (tokenizer.json + tokenizer_config.json) for lathe init-model:
 * either a byte-level BPE trained on a corpus to a target vocabulary size, or a character-level
 * vocabulary (every character of the corpus plus printable ASCII, unknown ones map to <unk>).
 * Special tokens come from the chat-template family; BOS is added by the post-processor where
 * the family has one (llama3).
 */
public final class TokenizerBuilder {
  private final boolean byteLevel;
  private final List<String> corpus;
  private final int vocabSize;
  private TemplateFamily family = TemplateFamily.of("chatml");
  private int minFrequency = 2;
  private long modelMaxLength = 2048;

  private TokenizerBuilder(boolean byteLevel, List<String> corpus, int vocabSize) {
    this.byteLevel = byteLevel;
    this.corpus = List.copyOf(corpus);
    this.vocabSize = vocabSize;
  }

  /** Byte-level BPE (GPT-2 / Llama 3 / Qwen style) trained on corpus up to vocabSize tokens. */
  public static TokenizerBuilder byteLevelBpe(List<String> corpus, int vocabSize) {
    return new TokenizerBuilder(true, corpus, vocabSize);
  }

  /** One token per character seen in corpus (plus printable ASCII, tab and newline). */
  public static TokenizerBuilder charLevel(List<String> corpus) {
    return new TokenizerBuilder(false, corpus, 0);
  }

  /** The chat template family ("chatml" or "llama3") whose special tokens and template to include. */
  public TokenizerBuilder chatTemplate(String name) {
    this.family = TemplateFamily.of(name);
    return this;
  }

  /** Pairs seen fewer times are not merged (default 2). */
  public TokenizerBuilder minFrequency(int n) {
    this.minFrequency = n;
    return this;
  }

  public TokenizerBuilder modelMaxLength(long n) {
    this.modelMaxLength = n;
    return this;
  }

  /** Writes dir/tokenizer.json and dir/tokenizer_config.json; returns the vocabulary size. */
  public int write(Path dir) {
    Map<String, Object> json = new LinkedHashMap<>();
    Map<String, Integer> vocab;
    json.put("version", "1.0");
    json.put("truncation", null);
    json.put("padding", null);
    if (byteLevel) {
      BpeTrainer.Result r = BpeTrainer.train(corpus, family.specials(), vocabSize, minFrequency);
      vocab = r.vocab();
      json.put("added_tokens", TokenizerJsonParts.addedTokens(family.specials(), vocab));
      json.put("normalizer", null);
      json.put("pre_tokenizer", TokenizerJsonParts.byteLevel(false, true));
      json.put("post_processor", postProcessor(vocab, TokenizerJsonParts.byteLevel(true, false)));
      json.put("decoder", TokenizerJsonParts.byteLevel(true, true));
      json.put("model", TokenizerJsonParts.bpe(vocab, r.merges()));
    } else {
      List<String> specials = new ArrayList<>(family.specials());
      specials.add(TokenizerJsonParts.UNK);
      vocab = charVocab(specials);
      json.put("added_tokens", TokenizerJsonParts.addedTokens(specials, vocab));
      json.put("normalizer", null);
      json.put("pre_tokenizer", TokenizerJsonParts.charSplit());
      json.put("post_processor", postProcessor(vocab, null));
      json.put("decoder", Map.of("type", "Fuse"));
      json.put("model", TokenizerJsonParts.wordLevel(vocab));
    }
    // tokenizer.json is written compactly in key order, as the tokenizers library does.
    AtomicFiles.writeString(dir.resolve("tokenizer.json"), PyJson.file(json, false));
    config(vocab).write(dir.resolve("tokenizer_config.json"));
    return vocab.size();
  }

  private Object postProcessor(Map<String, Integer> vocab, Object otherwise) {
    if (family.bos() == null) return otherwise;
    return TokenizerJsonParts.prependBos(family.bos(), vocab.get(family.bos()));
  }

  private Map<String, Integer> charVocab(List<String> specials) {
    Map<String, Integer> vocab = new LinkedHashMap<>();
    for (String s : specials) vocab.put(s, vocab.size());
    TreeSet<Integer> cps = new TreeSet<>(List.of((int) '\t', (int) '\n'));
    for (int c = 32; c < 127; c++) cps.add(c);
    for (String text : corpus) text.codePoints().forEach(cps::add);
    for (int cp : cps) vocab.putIfAbsent(Character.toString(cp), vocab.size());
    return vocab;
  }

  private TokenizerConfig config(Map<String, Integer> vocab) {
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("added_tokens_decoder", TokenizerJsonParts.addedTokensDecoder(family.specials(), byteLevel, vocab));
    extra.put("clean_up_tokenization_spaces", false);
    extra.put("model_max_length", modelMaxLength);
    extra.put("tokenizer_class", "PreTrainedTokenizerFast");
    return new TokenizerConfig(family.bos(), family.eos(), family.pad(), byteLevel ? null : TokenizerJsonParts.UNK,
        family.bos() != null, false, List.of(), Map.of("default", family.templateSource()), extra);
  }
}
