package dev.lathe.scripts.config

import dev.lathe.engine.align.ImportanceSampling
import dev.lathe.engine.train.grpo.AsyncSettings

/**
 * The async-GRPO `trl:` keys (grpo-spec §9, §10, §14.2-§14.4): `use_data_producer`, `async_prefetch`,
 * `prefetch_depth`, `vllm_sync_interval`, `max_staleness` (a Lathe key, TRL's experimental async name),
 * the importance-sampling correction (`vllm_importance_sampling_correction`, `_mode`, `_cap`, TRL's
 * `_clip_min` / `_clip_max`) and `off_policy_mask_threshold`. GrpoBinding calls [bind] once.
 */
object AsyncBinding {
    class Bound(val settings: AsyncSettings?, val importanceSampling: ImportanceSampling?, val offPolicyMaskThreshold: Double?)

    private val ASYNC_ONLY = listOf("prefetch_depth", "max_staleness")
    private val IS_KEYS = listOf("vllm_importance_sampling_correction", "vllm_importance_sampling_mode", "vllm_importance_sampling_cap",
        "vllm_importance_sampling_clip_min", "vllm_importance_sampling_clip_max")

    fun bind(t: ConfigNode, warnings: MutableList<String>): Bound {
        val async = t.bool("async_prefetch") ?: false
        val remote = t.bool("use_vllm") ?: false
        val producer = t.bool("use_data_producer") ?: false
        if (producer && !async) {
            warnings += "${t.where("use_data_producer")}: use_data_producer without async_prefetch makes each round in the foreground, " +
                "which is what Lathe's GRPO feed does anyway (identical maths)"
        }
        val depth = t.int("prefetch_depth")
        val interval = t.int("vllm_sync_interval")
        val staleness = t.int("max_staleness")
        if (!async) {
            for (k in ASYNC_ONLY) if (t.has(k)) warnings += "${t.where(k)}: $k has no effect without async_prefetch: true"
            if (interval != null && !remote) warnings += "${t.where("vllm_sync_interval")}: vllm_sync_interval has no effect without async_prefetch or use_vllm"
        }
        val settings = if (!async) null else wrap(t, "prefetch_depth") { AsyncSettings(depth ?: 1, interval ?: 1, staleness) }
        val opsm = t.double("off_policy_mask_threshold")
        return Bound(settings, importanceSampling(t, async || remote, warnings), opsm)
    }

    /** The correction applies when the sampler's weights are not the trainer's: async rounds or a generation server. */
    private fun importanceSampling(t: ConfigNode, offPolicy: Boolean, warnings: MutableList<String>): ImportanceSampling? {
        val on = t.bool("vllm_importance_sampling_correction") ?: true
        val modeText = t.string("vllm_importance_sampling_mode") ?: "token_truncate" // Axolotl's async default
        val cap = t.double("vllm_importance_sampling_cap")
        val clipMax = t.double("vllm_importance_sampling_clip_max")
        val clipMin = t.double("vllm_importance_sampling_clip_min")
        if (cap != null && clipMax != null && cap != clipMax) {
            throw ConfigException("${t.where("vllm_importance_sampling_clip_max")}: vllm_importance_sampling_cap ($cap) and " +
                "vllm_importance_sampling_clip_max ($clipMax) name the same bound; set one")
        }
        val mode = wrap(t, "vllm_importance_sampling_mode") { ImportanceSampling.mode(modeText) }
        val built = wrap(t, "vllm_importance_sampling_cap") { ImportanceSampling(mode, clipMin, cap ?: clipMax ?: 3.0) }
        if (!offPolicy) {
            IS_KEYS.firstOrNull { t.has(it) }?.let {
                warnings += "${t.where(it)}: $it has no effect here: in-process synchronous rollouts are sampled by the weights being " +
                    "trained (the ratio is 1); it applies with async_prefetch or use_vllm"
            }
            return null
        }
        return if (on) built else null
    }

    private fun <T> wrap(t: ConfigNode, fallback: String, body: () -> T): T = try {
        body()
    } catch (e: IllegalArgumentException) {
        val key = e.message!!.substringBefore(':').substringBefore(' ')
        throw ConfigException("${t.where(if (t.has(key)) key else fallback)}: ${e.message}")
    }
}
