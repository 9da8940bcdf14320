package dev.lathe.engine.data;

import dev.lathe.engine.text.Tokenizer;
import java.util.List;

/**
 * `lathe preprocess --debug N`: the rows of a PairBatch (or CompletionBatch) token by token as
 * text|id, coloured by role — prompt, chosen, rejected (KTO: completion), padding — exactly as
 * the trainer will see them. Without colour each token carries a role letter instead.
 */
public final class TokenDebugView {
  public enum Role {
    PROMPT("\u001b[36m", 'P'), CHOSEN("\u001b[32m", 'C'), REJECTED("\u001b[31m", 'R'), PADDING("\u001b[90m", '_');

    final String ansi;
    final char letter;

    Role(String ansi, char letter) {
      this.ansi = ansi;
      this.letter = letter;
    }
  }

  private static final String RESET = "\u001b[0m";

  private TokenDebugView() {}

  /** Each pair as two lines (chosen row, rejected row) of the concatenated batch. */
  public static String pairs(List<EncodedExample> examples, Tokenizer tok, int padId, boolean colour) {
    PairBatch b = PairBatch.of(examples, padId);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < b.pairs(); i++) {
      sb.append("example ").append(i).append(" (").append(examples.get(i).row().origin()).append(")\n");
      sb.append(" chosen:   ").append(row(b.inputIds(), b.attentionMask(), b.labelMask(), i * b.seqLen(), b.seqLen(),
          Role.CHOSEN, tok, colour)).append('\n');
      sb.append(" rejected: ").append(row(b.inputIds(), b.attentionMask(), b.labelMask(), (b.pairs() + i) * b.seqLen(),
          b.seqLen(), Role.REJECTED, tok, colour)).append('\n');
    }
    return sb.toString();
  }

  /** KTO rows: the completion coloured as chosen when desirable, rejected when not. */
  public static String completions(List<EncodedExample> examples, Tokenizer tok, int padId, boolean colour) {
    CompletionBatch b = CompletionBatch.of(examples, padId);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < b.rows(); i++) {
      sb.append("example ").append(i).append(" (").append(examples.get(i).row().origin()).append(", label ")
          .append(b.desirable()[i]).append(")\n ");
      sb.append(row(b.inputIds(), b.attentionMask(), b.labelMask(), i * b.seqLen(), b.seqLen(),
          b.desirable()[i] ? Role.CHOSEN : Role.REJECTED, tok, colour)).append('\n');
    }
    return sb.toString();
  }

  static String row(long[] ids, byte[] attn, byte[] label, int off, int len, Role completion, Tokenizer tok, boolean colour) {
    StringBuilder sb = new StringBuilder();
    for (int t = 0; t < len; t++) {
      Role role = attn[off + t] == 0 ? Role.PADDING : label[off + t] == 1 ? completion : Role.PROMPT;
      int id = (int) ids[off + t];
      String text = visible(tok.decode(new int[] {id}, false));
      if (t > 0) {
        sb.append(' ');
      }
      if (colour) {
        sb.append(role.ansi).append(text).append('|').append(id).append(RESET);
      } else {
        sb.append(role.letter).append(':').append(text).append('|').append(id);
      }
    }
    return sb.toString();
  }

  /** Newlines and tabs made visible so one token never breaks the line. */
  static String visible(String s) {
    return s.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r");
  }
}
