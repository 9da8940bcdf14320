package dev.lathe.engine.train;

import dev.lathe.engine.tensor.Runtime;
import dev.lathe.engine.tensor.Scope;
import dev.lathe.engine.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * output_dir/checkpoint-N folders: the model or adapter (HF/PEFT layout, written by the
 * {@link Trainable}), optimizer.safetensors, rng_state.safetensors and trainer_state.json. A folder is
 * filled under a hidden temporary name and renamed into place, so a checkpoint-N that exists is complete.
 */
public final class Checkpoints {
  private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)");
  private static final Pattern TMP = Pattern.compile("\\.checkpoint-\\d+\\.tmp-(\\d+)");
  static final String STATE = "trainer_state.json";

  private Checkpoints() {}

  public static Path save(Path outputDir, TrainState st, double epochProgress, Trainable model, Optimizer opt, int keepLimit) {
    return save(outputDir, st, epochProgress, model, opt, keepLimit, dir -> {});
  }

  /** As above; extra writes the state of a stateful feed or step into the folder before it is renamed into place. */
  public static Path save(Path outputDir, TrainState st, double epochProgress, Trainable model, Optimizer opt, int keepLimit,
      java.util.function.Consumer<Path> extra) {
    Path target = outputDir.resolve("checkpoint-" + st.step);
    Path tmp = outputDir.resolve(".checkpoint-" + st.step + ".tmp-" + ProcessHandle.current().pid());
    try {
      deleteTree(tmp);
      Files.createDirectories(tmp);
      model.save(tmp);
      model.saveState(tmp);
      TensorFile.save(opt.state(), tmp.resolve("optimizer.safetensors"));
      try (Scope s = Scope.open()) {
        TensorFile.save(Map.of("cpu", Runtime.rngState()), tmp.resolve("rng_state.safetensors"));
      }
      st.write(tmp.resolve(STATE), epochProgress);
      Files.writeString(tmp.resolve("optimizer_steps.txt"), Long.toString(opt.steps()));
      extra.accept(tmp);
      if (Files.exists(target)) deleteTree(target); // a rerun past an older run's checkpoint of the same step
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      rotate(outputDir, keepLimit);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write checkpoint " + target + ": " + e.getMessage(), e);
    }
  }

  /**
   * Deletes the temporary folders of saves that were killed mid-write (their process is gone); a
   * live process's folder (another run in the same output_dir) is left alone. Returns what it removed.
   */
  public static List<Path> sweepAbandoned(Path outputDir) {
    if (!Files.isDirectory(outputDir)) return List.of();
    List<Path> removed = new java.util.ArrayList<>();
    try (Stream<Path> s = Files.list(outputDir)) {
      for (Path p : s.toList()) {
        Matcher m = TMP.matcher(p.getFileName().toString());
        if (!m.matches()) continue;
        long pid = Long.parseLong(m.group(1));
        boolean alive = pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        if (alive) continue;
        deleteTree(p);
        removed.add(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clean abandoned checkpoint folders in " + outputDir + ": " + e.getMessage(), e);
    }
    return removed;
  }

  /** Restores model, optimizer and RNG from dir; returns the saved state (data position, counters). */
  public static TrainState restore(Path dir, Trainable model, Optimizer opt) {
    if (!Files.isRegularFile(dir.resolve(STATE))) {
      throw new IllegalArgumentException("resume_from_checkpoint: " + dir + " is not a checkpoint folder (no " + STATE + ")");
    }
    TrainState st = TrainState.read(dir.resolve(STATE));
    model.load(dir);
    model.loadState(dir);
    try (Scope s = Scope.open()) {
      long optSteps = Long.parseLong(Files.readString(dir.resolve("optimizer_steps.txt")).strip());
      opt.load(TensorFile.load(dir.resolve("optimizer.safetensors")), optSteps);
      Tensor rng = TensorFile.load(dir.resolve("rng_state.safetensors")).get("cpu");
      if (rng != null) Runtime.setRngState(rng);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read checkpoint " + dir + ": " + e.getMessage(), e);
    }
    return st;
  }

  /** The checkpoint with the highest step in outputDir, or null. */
  public static Path latest(Path outputDir) {
    List<Path> all = list(outputDir);
    return all.isEmpty() ? null : all.get(all.size() - 1);
  }

  /** Complete checkpoints, oldest first. */
  public static List<Path> list(Path outputDir) {
    if (!Files.isDirectory(outputDir)) return List.of();
    try (Stream<Path> s = Files.list(outputDir)) {
      return s.filter(p -> NAME.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p.resolve(STATE)))
          .sorted(Comparator.comparingLong(Checkpoints::stepOf)).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static long stepOf(Path p) {
    Matcher m = NAME.matcher(p.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  private static void rotate(Path outputDir, int keepLimit) throws IOException {
    if (keepLimit <= 0) return;
    List<Path> all = list(outputDir);
    for (int i = 0; i < all.size() - keepLimit; i++) deleteTree(all.get(i));
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) return;
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
    }
  }
}
