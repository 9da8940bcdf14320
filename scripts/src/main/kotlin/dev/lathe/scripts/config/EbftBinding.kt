package dev.lathe.scripts.config

import dev.lathe.engine.data.Method
import dev.lathe.engine.train.ebft.EbftSettings
import dev.lathe.engine.train.ebft.EmbedMethod

/**
 * `rl: ebft` (ebft-nemogym.md §A.2): the `ebft:` block with Axolotl's defaults, and in structured mode the
 * `trl:` keys shared with GRPO, bound by GrpoBinding (the one owner of those keys). Options that would do
 * nothing in the chosen mode are refused with the key's line, where Axolotl accepts and ignores them.
 */
object EbftBinding {
    /** Keys only strided mode reads (structured mode samples with the trl: keys instead). */
    private val STRIDED_ONLY = mapOf(
        "stride" to "anchors are a strided-mode idea", "context_length" to "anchors are a strided-mode idea",
        "generate_max_len" to "structured mode generates whole completions: set trl.max_completion_length",
        "n_samples_per_prompt" to "structured mode takes the group size from trl.num_generations",
        "temperature" to "structured mode samples with trl.temperature", "top_p" to "structured mode samples with trl.top_p",
        "advantage_estimator" to "structured mode uses GRPO's group advantages (trl.scale_rewards)",
        "min_completion_prefix" to "anchors are a strided-mode idea",
        "ce_coef" to "structured mode has no cross-entropy term (Axolotl accepts and ignores it)",
        "rl_coef" to "structured mode has no CE term to weigh the RL loss against",
    )

    /** trl keys EBFT never reads (Axolotl does not forward them to its EBFT trainers). */
    private val TRL_REFUSED = mapOf(
        "reward_funcs" to "EBFT's only reward is feature matching against the ground truth; use rl: grpo for reward functions",
        "reward_weights" to "EBFT has a single reward", "beta" to "Axolotl does not forward beta to EBFT (no KL term)",
    )

    fun bind(top: ConfigNode, trl: ConfigNode?, boundData: DataBinding.Bound, warnings: MutableList<String>): EbftConfig {
        MethodBinding.inapplicable(top, Method.EBFT, warnings)
        val e = top.obj("ebft") ?: throw ConfigException("${top.where("rl")}: `ebft` config section is required when `rl: ebft` is set")
        val s = settings(e)
        val model = ModelBinding.bind(top, top.doc.file.toAbsolutePath().parent, Method.EBFT, warnings)
        val loop = LoopBinding.bind(top, Method.EBFT, top.doc.file.toAbsolutePath().parent, warnings)
        for (k in listOf("beta", "rl_beta")) if ((if (k == "beta") trl?.double(k) else top.double(k))?.let { it != 0.0 } == true) {
            val where = if (k == "beta") trl!!.where(k) else top.where(k)
            throw ConfigException("$where: `$k`: Axolotl does not forward beta to EBFT (no KL term); remove it")
        }
        trl?.let { t -> TRL_REFUSED.forEach { (k, why) -> if (k != "beta" && t.has(k)) throw ConfigException("${t.where(k)}: trl.$k: $why") } }
        // EbftRun generates in process; a generation server would need its client passed to the assembler
        if (trl?.bool("use_vllm") == true) throw ConfigException("${trl.where("use_vllm")}: trl.use_vllm: rl: ebft generates in process; a generation server is not wired for EBFT")
        val g = if (s.mode == EbftSettings.Mode.STRUCTURED) {
            GrpoBinding.bind(top, trl, Method.EBFT, model.lora != null, false, warnings) { emptyList() }.also {
                if (it.settings.async != null) {
                    val key = listOf("async_prefetch", "use_data_producer").firstOrNull { k -> trl?.has(k) == true } ?: "async_prefetch"
                    throw ConfigException("${trl?.where(key) ?: top.where("trl")}: trl.$key: async GRPO rounds are not supported with rl: ebft " +
                        "(the feature network shares the policy's weights); remove it")
                }
                // streamed chunks are scored on a helper thread while the next chunk generates: the feature network would run beside the policy
                if (it.settings.streamingMinGroups != null) throw ConfigException("${trl!!.where("streaming_partial_batch")}: trl.streaming_partial_batch: " +
                    "streamed scoring is not supported with rl: ebft (its reward, the feature network, shares the policy's weights); remove it")
                if (it.rolloutFunction != null) throw ConfigException("${trl!!.where("rollout_func")}: trl.rollout_func: rl: ebft samples plain completions " +
                    "(its reward compares them with the ground truth); use rl: grpo for rollout functions")
                GrpoBinding.geometry(top, trl, it.settings, loop.microBatchSize, loop.gradientAccumulationSteps)
            }
        } else {
            trl?.node?.properties()?.firstOrNull()?.let { (k, _) ->
                throw ConfigException("${trl.where(k)}: trl.$k: strided EBFT does not read the trl: block (it is not GRPO); " +
                    "its sampling keys are ebft.temperature, ebft.top_p, ebft.n_samples_per_prompt and ebft.generate_max_len")
            }
            null
        }
        DistBinding.bind(top)
        val checkpointing = top.bool("gradient_checkpointing") ?: false // read before the strict check, which refuses unread keys
        StrictKeys.check(listOfNotNull(top, trl, e) + boundData.nodes, { n ->
            when {
                n === top -> AxolotlKeys.ignored
                n in boundData.nodes && n.path.endsWith("]") -> DataBinding.ignoredInDataset()
                else -> emptyMap()
            }
        }, warnings)
        val grpo = g?.settings ?: dev.lathe.engine.train.grpo.GrpoSettings()
        val loss = g?.loss ?: dev.lathe.engine.align.Losses.grpo().maxCompletionLength(grpo.maxCompletionLength).build()
        return EbftConfig(top.doc.file, model.baseModel, model.tokenizerDir, loop.outputDir, s, grpo, loss,
            model.lora, model.loraModelDir, loop, boundData.config, checkpointing, warnings)
    }

    private fun settings(e: ConfigNode): EbftSettings {
        val s = EbftSettings()
        e.string("mode")?.let { m ->
            s.mode = when (m) {
                "structured" -> EbftSettings.Mode.STRUCTURED
                "strided" -> EbftSettings.Mode.STRIDED
                else -> throw ConfigException("${e.where("mode")}: ebft.mode: expected structured or strided, found '$m'")
            }
        }
        e.doubleList("feature_layers")?.let { s.featureLayers = it }
        e.string("embed_method")?.let { s.embedMethod = wrap(e, "embed_method") { EmbedMethod.of(it) } }
        e.bool("use_whitening")?.let { s.useWhitening = it }
        e.double("alignment_coef")?.let { s.alignmentCoef = it }
        e.double("diversity_coef")?.let { s.diversityCoef = it }
        e.double("ce_coef")?.let { s.ceCoef = it }
        e.double("rl_coef")?.let { s.rlCoef = it }
        e.int("stride")?.let { s.stride = it }
        e.int("context_length")?.let { s.contextLength = it }
        e.int("generate_max_len")?.let { s.generateMaxLen = it }
        e.int("n_samples_per_prompt")?.let { s.nSamplesPerPrompt = it }
        e.double("temperature")?.let { s.temperature = it }
        e.double("top_p")?.let { s.topP = it }
        e.int("min_completion_prefix")?.let { s.minCompletionPrefix = it }
        e.string("advantage_estimator")?.let { v ->
            s.advantageEstimator = when (v) {
                "rloo" -> EbftSettings.Estimator.RLOO
                "group_norm" -> EbftSettings.Estimator.GROUP_NORM
                "reinforce" -> EbftSettings.Estimator.REINFORCE
                else -> throw ConfigException("${e.where("advantage_estimator")}: ebft.advantage_estimator: expected rloo, group_norm or reinforce, found '$v'" +
                    if (v == "grpo") " (the RLHF page's `grpo` fails Axolotl's own schema too)" else "")
            }
        }
        if (e.bool("adaptive_max_tokens") == true) {
            throw ConfigException("${e.where("adaptive_max_tokens")}: ebft.adaptive_max_tokens: only Axolotl's async trainer applies it and Lathe has none; " +
                "trl.max_completion_length bounds every completion (set false or remove it)")
        }
        if (e.has("gt_length_multiplier")) {
            throw ConfigException("${e.where("gt_length_multiplier")}: ebft.gt_length_multiplier: only used by adaptive_max_tokens, which Lathe does not implement; remove it")
        }
        wrap(e, "") { s.validate() }
        if (s.mode == EbftSettings.Mode.STRUCTURED) {
            for ((k, why) in STRIDED_ONLY) if (e.has(k)) throw ConfigException("${e.where(k)}: ebft.$k applies to mode: strided; $why")
        } else {
            if (s.embedMethod != EmbedMethod.MEAN_POOLING && s.embedMethod != EmbedMethod.LAST_TOKEN) {
                throw ConfigException("${e.where("embed_method")}: ebft.embed_method: strided mode pools each block by mean_pooling or last_token, not " +
                    "${s.embedMethod.yaml()} (Axolotl silently treats it as last_token)")
            }
            if (s.nSamplesPerPrompt == 1) {
                for (k in listOf("diversity_coef", "advantage_estimator", "use_whitening")) if (e.has(k)) {
                    throw ConfigException("${e.where(k)}: ebft.$k does nothing with n_samples_per_prompt: 1 (no other samples: no diversity, " +
                        "no baseline, nothing to whiten); raise n_samples_per_prompt or remove it")
                }
            }
            if (s.rlCoef == 0.0 && s.ceCoef == 0.0) throw ConfigException("${e.where("rl_coef")}: ebft.rl_coef and ce_coef are both 0: nothing to train")
        }
        return s
    }

    private fun <T> wrap(e: ConfigNode, key: String, body: () -> T): T = try {
        body()
    } catch (x: IllegalArgumentException) {
        val k = key.ifEmpty { x.message!!.substringBefore(':') }
        throw ConfigException("${e.where(k)}: ebft.${x.message}")
    }
}
