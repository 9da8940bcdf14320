package dev.lathe.engine.train.grpo;

import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.tensor.Grad;
import dev.lathe.engine.tensor.Runtime;
import dev.lathe.engine.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;

/**
 * Version-tagged copies of the policy's weights for a background producer (async GRPO). Two copies:
 * the trainer {@link #publish}es into the one the producer is not reading (never blocking), and the
 * producer {@link #acquire}s the newest for the length of one round. So generation never reads a
 * tensor the optimizer is updating, and a round is generated from one consistent version.
 *
 * <p>Threads: publish on the trainer thread only (it reads the policy between optimizer steps);
 * acquire/release on the producer thread only. Each copy's tensors are owned by the copy (a
 * detached scope), so neither thread's step scopes touch them.
 */
final class WeightSnapshots implements AutoCloseable {
  /** A copy in use and the optimizer updates its weights have. */
  record Snapshot(CausalLM model, long version) {}

  private final CausalLM[] copies = new CausalLM[2];
  private final List<List<Tensor[]>> pairs = new ArrayList<>(); // per copy: {policy tensor, copy tensor} of what training changes
  private final long[] versions = {-1, -1};
  private int published = -1;
  private int inUse = -1;
  private int writing = -1;
  private boolean closed;

  /** Two full copies of policy (LoRA adapters included), in eval mode, without grad. */
  WeightSnapshots(CausalLM policy) {
    try (var sc = dev.lathe.engine.tensor.Scope.open()) {
      Tensor rng = Runtime.rngState(); // adding LoRA to a copy draws from the generator: leave the run's stream as it was
      copy(policy);
      Runtime.setRngState(rng);
    }
  }

  private void copy(CausalLM policy) {
    {
      for (int i = 0; i < 2; i++) {
        CausalLM c = new CausalLM(policy.spec());
        if (policy.loraSpec() != null) c.addLora(policy.loraSpec());
        c.requiresGrad(false);
        c.train(false);
        Map<String, Tensor> dst = c.stateDict();
        List<Tensor[]> changing = new ArrayList<>();
        try (var g = Grad.disabled()) {
          policy.stateDict().forEach((name, t) -> {
            Tensor d = dst.get(name);
            if (d == null) throw new IllegalStateException("weight snapshot: the copy has no '" + name + "'");
            d.copy_(t);
            if (t.requiresGrad()) changing.add(new Tensor[]{t, d});
          });
        }
        copies[i] = c;
        pairs.add(changing);
      }
    }
  }

  /**
   * Trainer thread: copies the weights training changes (all of them in full fine-tuning, the adapters
   * with LoRA) into a copy the producer is not reading, then makes it the newest, tagged version.
   */
  void publish(long version) {
    int i;
    synchronized (this) {
      if (closed) return;
      i = published >= 0 && published != inUse ? published : inUse == 0 ? 1 : 0;
      writing = i;
    }
    try (var g = Grad.disabled()) {
      for (Tensor[] p : pairs.get(i)) p[1].copy_(p[0]);
    } finally {
      synchronized (this) {
        versions[i] = version;
        published = i;
        writing = -1;
        notifyAll();
      }
    }
  }

  /**
   * Producer thread: the newest copy once its version is at least minVersion (waiting for the trainer
   * to publish one otherwise: admission by staleness), held until {@link #release}.
   */
  synchronized Snapshot acquire(long minVersion) {
    while (!closed && (published < 0 || versions[published] < minVersion || writing == published)) {
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CancellationException("weight snapshot: interrupted while waiting for version " + minVersion);
      }
    }
    if (closed) throw new CancellationException("weight snapshot: closed");
    inUse = published;
    return new Snapshot(copies[inUse], versions[inUse]);
  }

  synchronized void release() {
    inUse = -1;
    notifyAll();
  }

  /** The newest published version, or -1. */
  synchronized long latest() { return published < 0 ? -1 : versions[published]; }

  /** Wakes a waiting producer (it gets a CancellationException); the copies are freed by {@link #free}. */
  @Override
  public synchronized void close() {
    closed = true;
    notifyAll();
  }

  /** Frees both copies; call once no thread can use them any more. */
  void free() {
    close();
    for (CausalLM c : copies) if (c != null) c.close();
  }
}
