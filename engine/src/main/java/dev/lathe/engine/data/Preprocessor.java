package dev.lathe.engine.data;

import dev.lathe.engine.text.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Config -> prepared rows -> token ids, with a report: what `lathe preprocess` and the trainers run.
 * Encoding drops rows whose completion would be empty after truncation (counted in the report).
 */
public final class Preprocessor {
  /**
   * Train/eval examples in dataset order after shuffling; GRPO rows are in prepared and, rendered and
   * tokenised, in promptsTrain/promptsEval (empty for other methods, or without a tokenizer).
   */
  public record Result(DatasetPipeline.Prepared prepared, List<EncodedExample> train, List<EncodedExample> eval,
      PreprocessReport report, List<GrpoPrompt> promptsTrain, List<GrpoPrompt> promptsEval) {}

  private Preprocessor() {}

  public static Result run(DataConfig cfg, Tokenizer tok, ChatRenderer.Source templates, DataWarnings warnings) {
    if (cfg.datasets.isEmpty()) {
      throw new DataException("config key `datasets`: none given; training rows come from `" + cfg.datasetsReplacedBy
          + "`, which only `lathe train` reads; add `datasets:` for this command");
    }
    long t0 = System.nanoTime();
    DatasetPipeline.Prepared p = DatasetPipeline.prepare(cfg, tok, templates, warnings);
    List<EncodedExample> train = List.of();
    List<EncodedExample> eval = List.of();
    List<GrpoPrompt> promptsTrain = List.of();
    List<GrpoPrompt> promptsEval = List.of();
    if (!cfg.method.isGrpo()) {
      ExampleEncoder enc = new ExampleEncoder(tok, cfg.method, cfg.sequenceLen, p.counts());
      train = encodeAll(enc, p.train());
      eval = encodeAll(enc, p.eval());
    } else if (tok != null) {
      GrpoPrompts prompts = new GrpoPrompts(cfg, tok, templates);
      promptsTrain = prompts.encode(p.train());
      promptsEval = prompts.encode(p.eval());
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    PreprocessReport report = PreprocessReport.of(cfg.method, p, train, eval, seconds, promptsTrain);
    return new Result(p, train, eval, report, promptsTrain, promptsEval);
  }

  static List<EncodedExample> encodeAll(ExampleEncoder enc, List<PreparedRow> rows) {
    List<EncodedExample> out = new ArrayList<>(rows.size());
    for (EncodedExample e : ParallelMap.map(rows, enc::encode)) {
      if (e != null) {
        out.add(e);
      }
    }
    return out;
  }
}
