package dev.lathe.scripts.config

import dev.lathe.engine.align.Losses
import dev.lathe.engine.data.Method
import dev.lathe.engine.reward.Reward
import dev.lathe.engine.train.grpo.GrpoGeometry
import dev.lathe.engine.train.grpo.GrpoSettings
import dev.lathe.engine.train.methods.ReferenceKind

/**
 * The `trl:` keys of rl: grpo | gdpo (grpo-spec §2) -> GrpoSettings and the GRPO loss, with Axolotl's
 * defaults and precedence; the async keys (async_prefetch & co., IS correction, OPSM) are AsyncBinding's,
 * the generation-server keys (use_vllm, vllm_server_*) VllmBinding's and the nemo_gym_* keys NemoGymBinding's.
 * `rollout_func` names a function of a .kts beside the config, resolved by RewardBinding when the run starts.
 * Keys of work not done yet (Liger, the bias-corrected KL, guided decoding) are refused with a message
 * saying so, rather than silently ignored.
 */
object GrpoBinding {
    private const val LATER = "is not implemented in Lathe yet"
    private val REFUSED = mapOf(
        "vllm_guided_decoding_regex" to "vLLM guided decoding $LATER", "vllm_enable_sleep_mode" to "vLLM sleep mode (colocated vLLM) $LATER",
        "use_bias_correction_kl" to "the bias-corrected KL $LATER",
        "use_liger_loss" to "the Liger fused GRPO loss $LATER (Lathe's loss never materialises [b, s, v] anyway)",
    )
    /** Keys a GRPO config may not carry at the top level (later work). */
    private val REFUSED_TOP = mapOf("ebft" to "the `ebft:` block belongs to rl: ebft",
        "vllm" to "the vllm: block configures `lathe vllm-serve`; a GRPO config carries it only with trl.use_vllm: true")

    fun bind(top: ConfigNode, trl: ConfigNode?, method: Method, hasAdapter: Boolean, separateRef: Boolean, warnings: MutableList<String>,
             rewards: (ConfigNode) -> List<Reward>): Bound {
        refuse(top, trl)
        val t = trl ?: if (method == Method.EBFT) ConfigNode(top.doc, "trl", com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode())
            else throw ConfigException("${top.where("rl")}: rl: ${method.key} needs a `trl:` block with at least `reward_funcs`")
        val s = settings(t, method, warnings)
        val async = AsyncBinding.bind(t, warnings) // async_prefetch & co., IS correction, off-policy masking
        s.async = async.settings
        val beta = listOf(t.double("beta"), top.double("rl_beta"), top.double("dpo_beta"), top.double("orpo_alpha")).firstOrNull { it != null } ?: 0.0
        val builder = Losses.grpo().beta(beta).maxCompletionLength(s.maxCompletionLength).apply {
            t.string("loss_type")?.let { lossType(it) }
            t.double("epsilon")?.let { epsilon(it) }
            epsilonHigh(t.double("epsilon_high"))
            delta(t.double("delta"))
            t.string("importance_sampling_level")?.let { importanceSamplingLevel(it) }
            t.double("top_entropy_quantile")?.let { topEntropyQuantile(it) }
            importanceSampling(async.importanceSampling)
            offPolicyMaskThreshold(async.offPolicyMaskThreshold)
        }
        val loss = wrap(t) { builder.build() }
        warnings += builder.advice().map { "${t.where("loss_type")}: $it" }
        val reference = when {
            beta == 0.0 -> ReferenceKind.NONE
            hasAdapter && !separateRef -> ReferenceKind.ADAPTER_DISABLED
            else -> ReferenceKind.FROZEN_COPY
        }
        val features = RolloutFeaturesBinding.bind(t, s, beta, warnings) // skip, replay, re-rolls, dynamic sampling, reward workers
        val sync = refSync(t, beta, hasAdapter && !separateRef)
        t.raw("chat_template_kwargs") // bound by DataBinding, which merges it into the data config
        t.raw("reward_funcs"); t.raw("reward_weights") // read here, bound when the run starts
        val vllm = VllmBinding.bind(t, hasAdapter, warnings) // the generation-server keys live in their own binding
        val rollout = rolloutFunction(t)
        return Bound(loss, s, { rewards(t) }, reference, sync, vllm, features, rollout)
    }

    class Bound(val loss: dev.lathe.engine.align.GrpoLoss, val settings: GrpoSettings, val rewards: () -> List<Reward>,
                val reference: ReferenceKind, val refSync: RefSyncSettings?, val vllm: VllmBinding.Settings? = null,
                val features: RolloutFeaturesBinding.Bound = RolloutFeaturesBinding.Bound(null, null),
                /** trl.rollout_func, resolved (compiled) when the run starts; null = plain sampling. */
                val rolloutFunction: (() -> dev.lathe.engine.train.grpo.RolloutFunction)? = null)

    /** trl.rollout_func: checked for shape now, compiled from its .kts when the run starts (as reward_funcs). */
    private fun rolloutFunction(t: ConfigNode): (() -> dev.lathe.engine.train.grpo.RolloutFunction)? {
        if (t.raw("rollout_func") == null) return null
        t.string("rollout_func") ?: t.fail("rollout_func", "a name FILE.FUNCTION (e.g. rollouts.fn: `fn` in rollouts.kts beside the config)", t.raw("rollout_func"))
        return { RewardBinding.rolloutFunction(t.doc.file, t) }
    }

    private fun settings(t: ConfigNode, method: Method, warnings: MutableList<String>): GrpoSettings = GrpoSettings().apply {
        t.int("num_generations")?.let { numGenerations = it }
        numGenerationsEval = t.int("num_generations_eval")
        t.int("max_completion_length")?.let { maxCompletionLength = it }
        generationBatchSize = t.int("generation_batch_size")
        stepsPerGeneration = t.int("steps_per_generation")
        t.int("num_iterations")?.let { numIterations = it }
        t.bool("mask_truncated_completions")?.let { maskTruncatedCompletions = it }
        t.double("temperature")?.let { temperature = it }
        t.double("top_p")?.let { topP = it }
        t.int("top_k")?.let { topK = it }
        t.double("min_p")?.let { minP = it }
        t.double("repetition_penalty")?.let { repetitionPenalty = it }
        t.raw("scale_rewards")?.let { v -> scaleRewards = if (v.isBoolean) v.asBoolean().toString() else t.string("scale_rewards")!! }
        val agg = t.string("multi_objective_aggregation")
        if (method == Method.GDPO && agg == "sum_then_normalize") {
            throw ConfigException("${t.where("multi_objective_aggregation")}: rl: gdpo normalises each reward before summing; " +
                "sum_then_normalize is rl: grpo (Axolotl rejects this combination too)")
        }
        aggregation = agg ?: if (method == Method.GDPO) "normalize_then_sum" else "sum_then_normalize"
        t.bool("log_completions")?.let { logCompletions = it }
        t.int("num_completions_to_print")?.let { numCompletionsToPrint = it }
        t.bool("shuffle_dataset")?.let { shuffleDataset = it }
        t.obj("generation_kwargs")?.let { generationKwargs(it, this) }
        streaming(t, this, warnings)
        wrap(t) { validate() }
        if (!t.has("max_completion_length")) warnings += "${t.where("reward_funcs")}: trl.max_completion_length is not set; using 256 (TRL 1.8's default; Axolotl would pass None)"
    }

    /** streaming_partial_batch (Axolotl: false) / streaming_min_groups (Axolotl: 1): chunked generation and scoring (RoundMaker). */
    private fun streaming(t: ConfigNode, s: GrpoSettings, warnings: MutableList<String>) {
        val on = t.bool("streaming_partial_batch") ?: false
        val k = t.int("streaming_min_groups")
        if (!on) {
            if (k != null) warnings += "${t.where("streaming_min_groups")}: streaming_min_groups has no effect without streaming_partial_batch: true"
            return
        }
        s.streamingMinGroups = k ?: 1
    }

    /** TRL merges generation_kwargs last into the sampling parameters; the ones the rollout engine knows are applied. */
    private fun generationKwargs(g: ConfigNode, s: GrpoSettings) {
        for ((key, _) in g.node.properties()) {
            when (key) {
                "temperature" -> s.temperature = g.double(key)!!
                "top_p" -> s.topP = g.double(key)!!
                "top_k" -> s.topK = g.int(key)!!
                "min_p" -> s.minP = g.double(key)!!
                "repetition_penalty" -> s.repetitionPenalty = g.double(key)!!
                "stop", "stop_strings" -> s.stopStrings = g.stringList(key)!!.toMutableList()
                "max_tokens", "max_new_tokens" -> throw ConfigException("${g.where(key)}: set the completion length with trl.max_completion_length")
                else -> throw ConfigException("${g.where(key)}: generation_kwargs.$key is not supported by Lathe's rollout engine " +
                    "(known: temperature, top_p, top_k, min_p, repetition_penalty, stop)")
            }
        }
    }

    /** TR-DPO on the reference (Axolotl's schema defaults 0.9 / 64 when sync_ref_model is on); TRL needs beta != 0 and no PEFT reference. */
    private fun refSync(t: ConfigNode, beta: Double, adapterRef: Boolean): RefSyncSettings? {
        val on = t.bool("sync_ref_model") ?: false
        val alpha = t.double("ref_model_mixup_alpha") ?: 0.9
        val steps = t.long("ref_model_sync_steps") ?: 64
        if (!on) return null
        val where = t.where("sync_ref_model")
        if (beta == 0.0) throw ConfigException("$where: sync_ref_model needs beta != 0 (with beta 0 there is no reference model)")
        if (adapterRef) throw ConfigException("$where: sync_ref_model needs a separate reference model; with adapter: lora set rl_adapter_ref_model: true")
        if (alpha !in 0.0..1.0) throw ConfigException("${t.where("ref_model_mixup_alpha")}: ref_model_mixup_alpha must be in [0, 1], got $alpha")
        if (steps < 1) throw ConfigException("${t.where("ref_model_sync_steps")}: ref_model_sync_steps must be >= 1, got $steps")
        return RefSyncSettings(alpha, steps)
    }

    /** Checks the batch geometry as far as it is known before the data is loaded (divisibility; prompts later). */
    fun geometry(top: ConfigNode, t: ConfigNode?, s: GrpoSettings, micro: Int, accumulation: Int) {
        try {
            GrpoGeometry.of(micro, accumulation, s, Int.MAX_VALUE)
        } catch (e: IllegalArgumentException) {
            val key = e.message!!.substringBefore(':').substringBefore(' ')
            val where = if (t != null && t.has(key)) t.where(key) else if (top.has(key)) top.where(key) else top.where("micro_batch_size")
            throw ConfigException("$where: ${e.message}")
        }
    }

    private fun refuse(top: ConfigNode, trl: ConfigNode?) {
        for ((key, why) in REFUSED) {
            val v = trl?.raw(key) ?: continue
            throw ConfigException("${trl.where(key)}: trl.$key: $why")
        }
        val serverBlockOk = trl?.bool("use_vllm") == true // the same file configures `lathe vllm-serve` (Axolotl's convention)
        for ((key, why) in REFUSED_TOP) {
            val allowed = (key == "ebft" && top.string("rl") == "ebft") || (key == "vllm" && serverBlockOk)
            if (top.raw(key) != null && !allowed) throw ConfigException("${top.where(key)}: `$key`: $why")
        }
    }

    private fun <T> wrap(t: ConfigNode, body: () -> T): T = try {
        body()
    } catch (e: IllegalArgumentException) {
        val key = e.message!!.substringBefore(':').substringBefore(' ').substringBefore('[')
        throw ConfigException("${if (t.has(key)) t.where(key) else t.doc.file.toString()}: ${e.message}")
    }
}
