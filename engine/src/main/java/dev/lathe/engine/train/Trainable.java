package dev.lathe.engine.train;

import dev.lathe.engine.model.LanguageModel;
import dev.lathe.engine.nn.Module;
import dev.lathe.engine.tensor.Tensor;
import java.nio.file.Path;
import java.util.Map;

/**
 * What the loop trains and checkpoints: the named trainable parameters, the train/eval switch, and
 * how the model (or only its adapter) is written to and read back from a folder (HF or PEFT layout).
 */
public interface Trainable {
  Map<String, Tensor> parameters();

  void setTraining(boolean on);

  /** Writes the weights (and config) into dir, which exists and is empty of weights. */
  void save(Path dir);

  /** Restores weights previously written by {@link #save} into the live model. */
  void load(Path dir);

  /**
   * Called by the loop right after each micro-batch's loss.backward(): a model with gradient
   * checkpointing finishes the backward through its recomputed layers here.
   */
  default void afterBackward() {}

  /**
   * Training state beyond the weights that a resumed run needs to continue the same curve (a synced
   * reference model, a loss's running statistics): written into checkpoint folders only, never into
   * the final output.
   */
  default void saveState(Path checkpointDir) {}

  /** Restores what {@link #saveState} wrote. */
  default void loadState(Path checkpointDir) {}

  /** A module whose trainable parameters are saved with the given writer and reader. */
  static Trainable of(Module m, Writer writer, Reader reader) {
    return new Trainable() {
      public Map<String, Tensor> parameters() { return NamedParams.trainable(m); }
      public void setTraining(boolean on) { m.train(on); }
      public void save(Path dir) { writer.write(m, dir); }
      public void load(Path dir) { reader.read(m, dir); }
      public void afterBackward() { if (m instanceof LanguageModel lm) lm.backwardCheckpointed(); }
    };
  }

  @FunctionalInterface
  interface Writer { void write(Module m, Path dir); }

  @FunctionalInterface
  interface Reader { void read(Module m, Path dir); }
}
