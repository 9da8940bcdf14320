package dev.lathe.engine.text;

import java.util.List;

/**
 * What the data layer and generation need from a tokenizer. The HF implementation
 * (tokenizer.json + tokenizer_config.json) lives beside this interface.
 */
public interface Tokenizer {
  /** Token ids of text; addSpecialTokens follows the tokenizer's post-processor (e.g. BOS). No truncation. */
  int[] encode(String text, boolean addSpecialTokens);

  String decode(int[] ids, boolean skipSpecialTokens);

  /** The id of a token string (special or not), or -1 when the vocabulary lacks it. */
  int tokenToId(String token);

  int vocabSize();

  /** Special tokens from tokenizer_config.json; null when the tokenizer has none. */
  String bosToken();

  String eosToken();

  String padToken();

  /** tokenizer_config.json's add_bos_token (whether encode(..., true) prepends BOS). */
  boolean addBosToken();

  /** Every special/added token string, so the data layer can find doubled BOS/EOS. */
  List<String> specialTokens();

  /** The chat template (Jinja source) from tokenizer_config.json, or null. */
  String chatTemplate();

  /**
   * An upper bound on the UTF-8 bytes of text any one token stands for, or 0 when none is known. Lets the
   * data layer prove a huge text is longer than sequence_len without tokenizing it (tokens >= bytes / bound).
   */
  default int maxBytesPerToken() {
    return 0;
  }
}
