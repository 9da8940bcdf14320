package dev.lathe.engine.reward;

import java.util.List;

/**
 * A named, weighted reward function in one of two forms. Per-sample: one completion in, one value
 * out. Per-group: the G completions of one prompt in, G values out (for rewards that compare samples).
 * A value of null means "cannot score this sample" (TRL's None). The checked calling contract
 * (count, finiteness, exceptions -> unscorable, thread pool) is {@link RewardRunner}'s job, never the
 * caller's: the forms below are what users write, in a recipe lambda or a `rewards.kts` function.
 */
public record Reward(String name, double weight, PerSample perSample, PerGroup perGroup) {

  @FunctionalInterface
  public interface PerSample {
    Double score(Sample s) throws Exception;
  }

  @FunctionalInterface
  public interface PerGroup {
    List<Double> score(List<Sample> group) throws Exception;
  }

  public Reward {
    if (name == null || name.isBlank()) throw new IllegalArgumentException("a reward function needs a name");
    if ((perSample == null) == (perGroup == null)) {
      throw new IllegalArgumentException("reward '" + name + "': give exactly one of a per-sample or a per-group function");
    }
    if (!Double.isFinite(weight)) throw new IllegalArgumentException("reward '" + name + "': weight must be finite, got " + weight);
  }

  public static Reward of(String name, double weight, PerSample f) { return new Reward(name, weight, f, null); }

  public static Reward ofGroup(String name, double weight, PerGroup f) { return new Reward(name, weight, null, f); }

  public Reward withWeight(double w) { return new Reward(name, w, perSample, perGroup); }

  public Reward named(String n) { return new Reward(n, weight, perSample, perGroup); }
}
