package dev.lathe.engine.train;

import java.nio.file.Path;

/**
 * A feed or step with state a resumed run needs (prompt cursor, buffered rollouts, running means).
 * The loop calls {@link #save} while it fills a checkpoint folder (before the folder is renamed into
 * place, so a checkpoint is complete or absent) and {@link #restore} right after restoring the model,
 * optimizer and RNG from one.
 */
public interface Stateful {
  /** Writes this object's state as files of its own names into the checkpoint folder being filled. */
  void save(Path checkpointDir);

  /** Reads back what {@link #save} wrote; fails with the file's name when it is missing or malformed. */
  void restore(Path checkpointDir);
}
