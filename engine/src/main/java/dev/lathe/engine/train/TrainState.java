package dev.lathe.engine.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a run is: updates done, the data position (epoch and next micro-batch of that epoch's
 * order) and the counters of the stop rules. Saved as trainer_state.json in each checkpoint.
 */
public final class TrainState {
  public long step;
  public long epoch;
  public long microBatch;
  public long totalSteps;
  public double bestEvalLoss = Double.POSITIVE_INFINITY;
  public int evalsWithoutImprovement;
  public int highLossSteps;
  public long skippedSteps;
  /** Tokens seen so far (TRL's cumulative num_tokens). */
  public long numTokens;

  /** Fractional epoch as transformers reports it. */
  public double epochProgress(long microBatchesPerEpoch) {
    return epoch + (double) microBatch / Math.max(1, microBatchesPerEpoch);
  }

  void write(Path file, double epochProgress) {
    ObjectMapper m = new ObjectMapper();
    ObjectNode n = m.createObjectNode();
    n.put("global_step", step);
    n.put("epoch", epochProgress);
    n.put("max_steps", totalSteps);
    ObjectNode l = n.putObject("lathe");
    l.put("data_epoch", epoch);
    l.put("data_micro_batch", microBatch);
    if (Double.isFinite(bestEvalLoss)) l.put("best_eval_loss", bestEvalLoss);
    l.put("evals_without_improvement", evalsWithoutImprovement);
    l.put("high_loss_steps", highLossSteps);
    l.put("skipped_steps", skippedSteps);
    l.put("num_tokens", numTokens);
    try {
      Files.writeString(file, m.writerWithDefaultPrettyPrinter().writeValueAsString(n));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  static TrainState read(Path file) {
    JsonNode n;
    try {
      n = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read checkpoint state " + file + ": " + e.getMessage(), e);
    }
    TrainState s = new TrainState();
    s.step = need(n, "global_step", file).asLong();
    s.totalSteps = n.path("max_steps").asLong(0);
    JsonNode l = need(n, "lathe", file);
    s.epoch = need(l, "data_epoch", file).asLong();
    s.microBatch = need(l, "data_micro_batch", file).asLong();
    s.bestEvalLoss = l.has("best_eval_loss") ? l.get("best_eval_loss").asDouble() : Double.POSITIVE_INFINITY;
    s.evalsWithoutImprovement = l.path("evals_without_improvement").asInt(0);
    s.highLossSteps = l.path("high_loss_steps").asInt(0);
    s.skippedSteps = l.path("skipped_steps").asLong(0);
    s.numTokens = l.path("num_tokens").asLong(0);
    return s;
  }

  private static JsonNode need(JsonNode n, String key, Path file) {
    JsonNode v = n.get(key);
    if (v == null || v.isNull()) throw new IllegalArgumentException(file + ": missing key '" + key + "' (not a Lathe checkpoint?)");
    return v;
  }
}
