package dev.lathe.engine.remote.gym;

import dev.lathe.engine.data.GrpoPrompt;
import dev.lathe.engine.reward.Reward;
import dev.lathe.engine.serve.LatheServer;
import dev.lathe.engine.train.grpo.RolloutFunction;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * NeMo Gym multi-turn GRPO rounds (ebft-nemogym.md §B.8, TRL's rollout_func contract §C.1): each prompt row,
 * already repeated num_generations times, is one agent /run ({@link NemoGymAgents}); the agent's model calls
 * reach the trainer's own policy server, which generates only while a round is out ({@link Window}: paused
 * before and after, so no straggling call touches the weights while the trainer steps). Each episode becomes
 * one rollout: the dataset prompt (which must be what the agent's first model call was prompted with), every
 * turn's tokens after it with env mask 0 on what the environment inserted, the sampler's log-probs, and the
 * episode's reward as the extra field `env_reward` (num_turns beside it), which {@link #envReward()} passes
 * through; it is not verified again.
 *
 * <p>A failed episode (agent down, timeout, non-2xx, malformed answer, a first prompt that is not the
 * dataset's) is one masked EOS token with env_reward null: unscored (the runner counts it under
 * rewards/nemo_gym/unscored), logged with its reason, never a reward of 0 and never a crash.
 */
public final class NemoGymRollouts implements RolloutFunction {
  public static final String ENV_REWARD = "env_reward";
  public static final String NUM_TURNS = "num_turns";
  public static final String ERROR = "nemo_gym_error";

  /** Opens the policy server for a round's generation and closes it again. */
  public interface Window {
    void open();

    void close() throws InterruptedException;

    static Window of(LatheServer server) {
      return new Window() {
        @Override
        public void open() { server.resumeGeneration(); }

        @Override
        public void close() throws InterruptedException { server.pauseGeneration(); }
      };
    }
  }

  private final NemoGymAgents agents;
  private final Window window;
  private final int maxOutputTokens;
  private final double temperature;
  private final double topP;
  private final int eosId;
  private final PrintStream log;
  private final AtomicLong failures = new AtomicLong();
  private volatile Map<String, Double> metrics = Map.of();

  /**
   * @param maxOutputTokens per model call when a row sets none (max_completion_length, as Axolotl)
   * @param eosId the token a failed episode's placeholder completion is made of (masked: never trained on)
   */
  public NemoGymRollouts(NemoGymAgents agents, Window window, int maxOutputTokens, double temperature, double topP, int eosId, PrintStream log) {
    this.agents = agents;
    this.window = window;
    this.maxOutputTokens = maxOutputTokens;
    this.temperature = temperature;
    this.topP = topP;
    this.eosId = eosId;
    this.log = log;
  }

  /** Axolotl's reward_env, named "nemo_gym" as there: the episode's reward, or null (unscored) when it failed. */
  public static Reward envReward() {
    return Reward.of("nemo_gym", 1.0, s -> s.row().get(ENV_REWARD) instanceof Number n ? n.doubleValue() : null);
  }

  /** Of the last round: nemo_gym/num_turns/{mean,min,max} over its scored episodes and nemo_gym/failed (Axolotl's rollout/num_turns/*). */
  @Override
  public Map<String, Double> roundMetrics() { return metrics; }

  /** Episodes that failed so far. */
  public long failures() { return failures.get(); }

  @Override
  public List<Rollout> run(List<GrpoPrompt> prompts, Context ctx) throws Exception {
    List<Map<String, Object>> rows = new ArrayList<>(prompts.size());
    for (GrpoPrompt p : prompts) rows.add(p.row());
    List<AgentRollout> episodes;
    window.open();
    try {
      episodes = agents.run(rows, maxOutputTokens, temperature, topP);
    } finally {
      window.close();
    }
    List<Rollout> out = new ArrayList<>(prompts.size());
    for (int i = 0; i < prompts.size(); i++) {
      GrpoPrompt p = prompts.get(i);
      AgentRollout a = episodes.get(i);
      String error = a.error();
      if (error == null && !Arrays.equals(a.promptIds(), p.ids())) {
        int k = 0;
        while (k < a.promptIds().length && k < p.ids().length && a.promptIds()[k] == p.ids()[k]) k++;
        error = "the agent's first model call was prompted with " + a.promptIds().length + " tokens, not the dataset prompt's "
            + p.ids().length + " (they differ from token " + k + "): did the agent change responses_create_params.input?";
      }
      if (error != null) {
        failures.incrementAndGet();
        log.println("nemo_gym: episode " + (i + 1) + " of " + prompts.size() + " (" + p.origin() + ") failed, unscored: " + error);
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put(ENV_REWARD, null);
        extra.put(NUM_TURNS, 0);
        extra.put(ERROR, error);
        out.add(new Rollout(p.ids(), new int[]{eosId}, new float[]{0f}, new int[]{0}, extra, ""));
      } else {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put(ENV_REWARD, a.reward());
        extra.put(NUM_TURNS, a.numTurns());
        out.add(new Rollout(p.ids(), a.completionIds(), a.logprobs(), a.envMask(), extra, null));
      }
    }
    Map<String, Double> m = new LinkedHashMap<>();
    var turns = episodes.stream().filter(a -> !a.failed()).mapToInt(AgentRollout::numTurns).summaryStatistics();
    if (turns.getCount() > 0) {
      m.put("nemo_gym/num_turns/mean", turns.getAverage());
      m.put("nemo_gym/num_turns/min", (double) turns.getMin());
      m.put("nemo_gym/num_turns/max", (double) turns.getMax());
    }
    m.put("nemo_gym/failed", (double) out.stream().filter(r -> r.extra().get(ERROR) != null).count());
    metrics = Map.copyOf(m);
    return out;
  }
}
