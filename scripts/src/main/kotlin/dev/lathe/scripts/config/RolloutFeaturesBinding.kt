package dev.lathe.scripts.config

import dev.lathe.engine.train.grpo.GrpoSettings
import java.time.Duration

/**
 * The `trl:` keys of GRPO's production features (grpo-spec §5.4, §14.8-§14.10, §17.3):
 * `skip_zero_advantage_batches`, `replay_buffer_size`, `replay_recompute_logps`, `reroll_start_fraction`,
 * `reroll_max_groups`, Lathe's `dynamic_sampling_max_attempts` / `dynamic_sampling_std_tolerance`, and the
 * reward runner's `reward_num_workers` / `reward_timeout` (seconds, a Lathe key) / `reward_isolation` (thread |
 * process, a Lathe key: grpo-spec has no name for it). GrpoBinding calls [bind] once.
 */
object RolloutFeaturesBinding {
    /**
     * The reward runner's options (null = RewardOptions' defaults: one worker per core, no timeout); [processes]:
     * reward calls in killable worker processes (reward_isolation: process).
     */
    class Bound(val rewardWorkers: Int?, val rewardTimeout: Duration?, val processes: Boolean = false)

    fun bind(t: ConfigNode, s: GrpoSettings, beta: Double, warnings: MutableList<String>): Bound {
        val r = s.recovery
        // Axolotl's async family skips by default; TRL's synchronous trainer never does
        r.skipZeroAdvantageBatches = t.bool("skip_zero_advantage_batches") ?: (s.async != null)
        t.int("replay_buffer_size")?.let { r.replayBufferSize = it }
        t.bool("replay_recompute_logps")?.let { r.replayRecomputeLogps = it }
        t.double("reroll_start_fraction")?.let { r.rerollStartFraction = it }
        t.int("reroll_max_groups")?.let { r.rerollMaxGroups = it }
        t.int("dynamic_sampling_max_attempts")?.let { r.dynamicSamplingAttempts = it }
        t.double("dynamic_sampling_std_tolerance")?.let { r.zeroStdTolerance = it }
        try {
            s.validate()
        } catch (e: IllegalArgumentException) {
            val key = e.message!!.substringBefore(':')
            throw ConfigException("${t.where(if (t.has(key)) key else "reward_funcs")}: ${e.message}")
        }
        if (t.bool("skip_zero_advantage_batches") == true && beta != 0.0) {
            warnings += "${t.where("skip_zero_advantage_batches")}: skip_zero_advantage_batches has no effect with beta != 0: a micro-batch " +
                "whose advantages are all 0 still has a KL gradient, so it is trained"
        }
        if (t.has("replay_recompute_logps") && r.replayBufferSize == 0) warnings += "${t.where("replay_recompute_logps")}: replay_recompute_logps has no effect without replay_buffer_size > 0"
        if (t.has("reroll_max_groups") && !r.rerolls()) warnings += "${t.where("reroll_max_groups")}: reroll_max_groups has no effect while reroll_start_fraction is 1 (off)"
        if (t.has("dynamic_sampling_std_tolerance") && r.dynamicSamplingAttempts == 0 && r.replayBufferSize == 0) {
            warnings += "${t.where("dynamic_sampling_std_tolerance")}: dynamic_sampling_std_tolerance has no effect without dynamic_sampling_max_attempts or replay_buffer_size"
        }
        val workers = t.int("reward_num_workers")
        if (workers != null && workers < 1) t.fail("reward_num_workers", "a whole number >= 1 (reward calls that may run at once)", t.raw("reward_num_workers"))
        val timeout = t.double("reward_timeout")
        if (timeout != null && !(timeout > 0)) t.fail("reward_timeout", "seconds > 0 per reward call (a call over it marks its samples unscorable)", t.raw("reward_timeout"))
        val isolation = t.string("reward_isolation") ?: "thread"
        if (isolation !in listOf("thread", "process")) t.fail("reward_isolation", "thread (calls on threads of the trainer's JVM) or process (worker JVMs, killed at reward_timeout)", t.raw("reward_isolation"))
        if (isolation == "process" && timeout == null) {
            warnings += "${t.where("reward_isolation")}: reward_isolation: process without reward_timeout: a reward that exits its worker is survived, " +
                "but a hanging one is only killed at a timeout; set reward_timeout (seconds)"
        }
        return Bound(workers, timeout?.let { Duration.ofNanos((it * 1e9).toLong()) }, isolation == "process")
    }
}
