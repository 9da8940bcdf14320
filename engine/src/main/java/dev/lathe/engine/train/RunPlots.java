package dev.lathe.engine.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The PNG curves written at the end of a run, from the metrics history (train and eval_ rows). */
public final class RunPlots {
  private RunPlots() {}

  /** One chart per group: file name and the metric keys drawn together. */
  private static final List<String[]> GROUPS = List.of(
      new String[]{"loss", "loss", "eval_loss"},
      new String[]{"rewards_margins", "rewards/margins", "eval_rewards/margins", "margin", "eval_margin"},
      new String[]{"rewards_accuracies", "rewards/accuracies", "eval_rewards/accuracies", "accuracy", "eval_accuracy"},
      new String[]{"rewards", "rewards/chosen", "rewards/rejected", "eval_rewards/chosen", "eval_rewards/rejected"},
      new String[]{"reward", "reward", "reward_std"},
      new String[]{"kl", "kl"},
      new String[]{"completion_length", "completions/mean_length", "completions/max_length", "completions/mean_terminated_length"},
      new String[]{"learning_rate", "learning_rate"},
      new String[]{"grad_norm", "grad_norm"});

  /** Writes dir/<group>.png for every group with data; returns the files written. */
  public static List<Path> write(List<Map<String, Object>> history, Path dir) {
    List<Path> written = new ArrayList<>();
    for (String[] group : GROUPS) {
      LinePlot plot = new LinePlot(group[0].replace('_', ' '));
      for (int i = 1; i < group.length; i++) plot.add(series(history, group[i]));
      if (plot.isEmpty()) continue;
      Path png = dir.resolve(group[0] + ".png");
      plot.write(png);
      written.add(png);
    }
    return written;
  }

  static LinePlot.Series series(List<Map<String, Object>> history, String key) {
    List<double[]> pts = new ArrayList<>();
    for (Map<String, Object> row : history) {
      if (row.get(key) instanceof Number v && row.get("step") instanceof Number s) pts.add(new double[]{s.doubleValue(), v.doubleValue()});
    }
    double[] x = new double[pts.size()], y = new double[pts.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = pts.get(i)[0];
      y[i] = pts.get(i)[1];
    }
    return new LinePlot.Series(key, x, y);
  }
}
