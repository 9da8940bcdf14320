package dev.lathe.engine.remote;

import dev.lathe.engine.generate.Completion;
import dev.lathe.engine.generate.RolloutEngine;
import dev.lathe.engine.generate.Sampling;
import dev.lathe.engine.model.CausalLM;
import dev.lathe.engine.model.PeftAdapters;
import dev.lathe.engine.text.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * GRPO's rollouts from a generation server (`trl.use_vllm: true`, server mode): before the rounds whose
 * version moved on (every {@code syncInterval}-th; version 0 = untrained, never synced) the trainer's
 * policy goes to the server, as PEFT adapter files ({@code vllm_lora_sync}) or as full weights over
 * HTTP, health-checked and versioned by {@link GenerationClient}; then /generate/ returns token ids and
 * sampler log-probs. Runs on the training thread (the sync reads the model's tensors).
 */
public final class RemoteRollouts implements RolloutEngine {
  public enum Sync { LORA_FILES, FULL_WEIGHTS }

  private final GenerationClient client;
  private final CausalLM model;
  private final Tokenizer tokenizer;
  private final Sync sync;
  private final int syncInterval;
  private final String adapterName;
  private final Path syncDir;
  private final PrintStream log;
  private long lastSynced;
  private Path lastAdapter;

  /**
   * @param adapterName the lora_name sent with adapter syncs (Axolotl uses the base model's name)
   * @param syncDir where adapter versions are written (v1, v2, ...; the previous one is deleted)
   */
  public RemoteRollouts(GenerationClient client, CausalLM model, Tokenizer tokenizer, Sync sync, int syncInterval,
      String adapterName, Path syncDir, PrintStream log) {
    if (syncInterval < 1) throw new IllegalArgumentException("vllm_sync_interval must be >= 1, got " + syncInterval);
    if (sync == Sync.LORA_FILES && model.loraSpec() == null) {
      throw new IllegalArgumentException("vllm_lora_sync: true needs a LoRA model (adapter: lora)");
    }
    if (sync == Sync.FULL_WEIGHTS && model.loraSpec() != null) {
      throw new IllegalArgumentException("a LoRA policy syncs through adapter files: set trl.vllm_lora_sync: true "
          + "(sending merged full weights is not implemented)");
    }
    this.client = client;
    this.model = model;
    this.tokenizer = tokenizer;
    this.sync = sync;
    this.syncInterval = syncInterval;
    this.adapterName = adapterName;
    this.syncDir = syncDir;
    this.log = log;
  }

  /** Checks the server is up (waiting up to the client's timeout) before the first round. */
  public RemoteRollouts connect() {
    client.waitUntilHealthy(2000);
    return this;
  }

  @Override
  public List<Completion> generate(List<int[]> prompts, Sampling s, long policyVersion) {
    if (policyVersion > 0 && policyVersion != lastSynced && policyVersion % syncInterval == 0) push(policyVersion);
    return client.generate(prompts, s, tokenizer, policyVersion);
  }

  private void push(long version) {
    long t0 = System.nanoTime();
    if (sync == Sync.LORA_FILES) {
      Path dir = syncDir.resolve("v" + version);
      PeftAdapters.save(model, dir, adapterName);
      client.syncLora(adapterName, dir, version);
      if (lastAdapter != null) delete(lastAdapter);
      lastAdapter = dir;
    } else {
      client.updateWeights(model.baseParameters(), version);
    }
    lastSynced = version;
    log.printf("rollouts: policy v%d synced to %s (%s) in %.0f ms%n", version, client.baseUrl(), sync, (System.nanoTime() - t0) / 1e6);
  }

  private static void delete(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the previous adapter sync folder " + dir, e);
    }
  }
}
