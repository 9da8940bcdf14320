package dev.lathe.engine.align;

import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bradley–Terry reward modelling (TRL RewardTrainer): loss = mean −logσ(r_c − r_r − m)
 * (+ center_rewards_coefficient · mean (r_c + r_r)² when the coefficient is set). Metrics are the
 * CURRENT TRL names: accuracy (ties count 0), margin, min_reward, mean_reward, max_reward.
 */
public record RewardLoss(Double centerRewardsCoefficient) implements AlignLoss {
  public RewardLoss {
    if (centerRewardsCoefficient != null && (!(centerRewardsCoefficient >= 0) || centerRewardsCoefficient.isInfinite())) {
      throw new IllegalArgumentException("center_rewards_coefficient must be >= 0, got " + centerRewardsCoefficient);
    }
  }

  public String method() { return "reward"; }
  public boolean isReferenceFree() { return true; }

  public LossResult compute(RewardScores in) {
    try (Scope s = Scope.open()) {
      Tensor rc = Metrics.work(in.chosen()), rr = Metrics.work(in.rejected()).to(rc.dtype());
      Tensor diff = rc.sub(rr);
      if (in.margin() != null) diff = diff.sub(in.margin().to(rc.dtype()));
      Tensor loss = diff.logsigmoid().neg().mean();
      if (centerRewardsCoefficient != null) loss = loss.add(rc.add(rr).pow(2).mean(), centerRewardsCoefficient);
      Map<String, Double> m = Grad.noGrad(() -> metrics(rc, rr));
      return new LossResult(s.keep(loss), m);
    }
  }

  private static Map<String, Double> metrics(Tensor rc, Tensor rr) {
    Map<String, Double> m = new LinkedHashMap<>();
    Tensor all = Tensors.cat(List.of(rc.detach(), rr.detach()), 0);
    m.put("accuracy", Metrics.fractionGreater(rc, rr));
    m.put("margin", Metrics.mean(rc.sub(rr)));
    m.put("min_reward", all.min().item());
    m.put("mean_reward", all.mean().item());
    m.put("max_reward", all.max().item());
    return m;
  }
}
