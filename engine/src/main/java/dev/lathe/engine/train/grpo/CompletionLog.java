package dev.lathe.engine.train.grpo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.engine.reward.Sample;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * What a run tells about its rounds: with log_completions, output_dir/completions.jsonl gets one line per
 * completion (round, step, prompt, completion, each reward, advantage) and a few are printed; always, a
 * warning when every group of a round has zero reward variance (no learning signal).
 */
final class CompletionLog {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path file;
  private final GrpoSettings s;
  private final List<String> names;
  private final PrintStream log;
  private int zeroRounds;

  CompletionLog(Path outputDir, GrpoSettings s, List<String> names, PrintStream log) {
    this.file = outputDir == null ? null : outputDir.resolve("completions.jsonl");
    this.s = s;
    this.names = names;
    this.log = log;
  }

  void accept(RoundMaker.Scored r) {
    Double zero = r.metrics().get("frac_reward_zero_std");
    if (zero != null && zero >= 1.0 && (zeroRounds++ % 10 == 0)) {
      log.println("warning: round " + (r.number() + 1) + ": every group has zero reward variance, so every advantage is 0 and this "
          + "round teaches nothing (rewards too easy or too hard; raise num_generations or temperature, or shape the reward)");
    }
    if (!s.logCompletions || file == null) return;
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < r.samples().size(); i++) {
      Sample x = r.samples().get(i);
      ObjectNode o = JSON.createObjectNode();
      o.put("round", r.number() + 1);
      o.put("prompt", x.prompt());
      o.put("completion", x.completion());
      ObjectNode rw = o.putObject("rewards");
      for (int k = 0; k < names.size(); k++) {
        double v = r.rewards()[i][k];
        if (Double.isNaN(v)) rw.putNull(names.get(k)); else rw.put(names.get(k), v);
      }
      o.put("advantage", r.advantages()[i]);
      o.put("truncated", x.truncated());
      lines.append(o).append('\n');
      if (i < s.numCompletionsToPrint) log.println("round " + (r.number() + 1) + " | " + o);
    }
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      w.write(lines.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
