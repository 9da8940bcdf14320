package dev.lathe.engine.train.methods;

import dev.lathe.engine.align.LossResult;
import dev.lathe.engine.align.RewardLoss;
import dev.lathe.engine.align.RewardScores;
import dev.lathe.engine.model.Inputs;
import dev.lathe.engine.model.SequenceClassifier;
import dev.lathe.engine.tensor.Tensor;
import dev.lathe.engine.tensor.Tensors;
import dev.lathe.engine.train.PhaseTimer;
import dev.lathe.engine.train.StepFunction;
import dev.lathe.engine.train.StepOutput;

/**
 * Bradley-Terry reward modelling: chosen and rejected conversations in one forward of the sequence
 * classifier, scored at each row's last real token; the margin column (if the rows have one) is
 * subtracted inside the loss.
 */
public final class RewardStep implements StepFunction<PairRows> {
  private final SequenceClassifier model;
  private final RewardLoss loss;
  private final double[] margins; // per dataset row, or null

  public RewardStep(SequenceClassifier model, RewardLoss loss, double[] margins) {
    this.model = model;
    this.loss = loss;
    this.margins = margins;
  }

  @Override
  public StepOutput compute(PairRows b, PhaseTimer timer) {
    int n = b.batch().pairs();
    SeqTensors seqs = SeqTensors.of(b.batch());
    Tensor scores = model.scores(Inputs.padded(seqs.ids(), seqs.attention())).select(1, 0); // [2b]
    Tensor margin = null;
    if (margins != null) {
      float[] m = new float[n];
      for (int i = 0; i < n; i++) m[i] = (float) margins[b.rows()[i]];
      margin = Tensors.of(m).to(scores.dtype());
    }
    LossResult r = loss.compute(new RewardScores(scores.narrow(0, 0, n), scores.narrow(0, n, n), margin));
    return new StepOutput(r.loss(), r.metrics());
  }
}
