package dev.lathe.scripts.config

import dev.lathe.engine.data.Method
import java.nio.file.Path

/**
 * Axolotl YAML -> {@link TrainConfig}, strictly: every key is either read, listed as meaningless
 * here (a warning), or an error naming the file, line, key and the nearest known key. Relative
 * paths resolve against the config file's folder (as dataset paths do in the data layer).
 */
object ConfigBinder {
    fun read(file: Path): TrainConfig = bind(YamlDoc.read(file.toAbsolutePath().normalize()))

    /** A preference/reward-model config (TrainConfig), an rl: grpo | gdpo one (GrpoConfig) or an rl: ebft one (EbftConfig). */
    fun readAny(file: Path): Any = bindAny(YamlDoc.read(file.toAbsolutePath().normalize()))

    fun bind(doc: YamlDoc): TrainConfig = when (val c = bindAny(doc)) {
        is TrainConfig -> c
        else -> throw ConfigException("${doc.file}: rl: ${(c as? GrpoConfig)?.method?.key ?: "ebft"} is an online method; read it with ConfigBinder.readAny")
    }

    fun bindAny(doc: YamlDoc): Any {
        val top = ConfigNode(doc, "", doc.root)
        val trl = top.obj("trl")
        val warnings = mutableListOf<String>()
        refuseTruthy(top)
        if (top.has("rl") && top.bool("reward_model") == true) {
            throw ConfigException("${top.where("reward_model")}: `rl: ${top.string("rl")}` and `reward_model: true` are both set; a run trains one method: remove one")
        }
        val baseDir = doc.file.toAbsolutePath().parent
        val boundData = DataBinding.bind(top, baseDir)
        val data = boundData.config
        val method = data.method
        if (method == Method.EBFT) return EbftBinding.bind(top, trl, boundData, warnings)
        if (method.isGrpo()) return bindGrpo(top, trl, boundData, warnings)
        val loss = MethodBinding.loss(top, trl, method)
        MethodBinding.inapplicable(top, method, warnings)
        val model = ModelBinding.bind(top, baseDir, method, warnings)
        val loop = LoopBinding.bind(top, method, baseDir, warnings)
        if (loop.earlyStoppingPatience > 0 && data.valSetSize <= 0.0 && data.testDatasets.isEmpty()) {
            throw ConfigException("${top.where("early_stopping_patience")}: early_stopping_patience: ${loop.earlyStoppingPatience} needs an eval set, " +
                "found none (set val_set_size > 0 or test_datasets)")
        }
        val reference = MethodBinding.reference(top, trl, loss, model.lora != null)
        val sync = MethodBinding.refSync(top, trl, reference, model.lora != null || model.loraModelDir != null)
        val dist = DistBinding.bind(top)
        // read before the strict check, which reports every key not read by then
        val checkpointing = top.bool("gradient_checkpointing") ?: false
        // pair batch layout (speed and memory, not results; the rule is PairLayout.choose)
        val paddingFree = top.bool("dpo_padding_free") ?: false
        val sharedPrompt = top.bool("dpo_shared_prompt")
        val nodes = listOfNotNull(top, trl) + boundData.nodes
        StrictKeys.check(nodes, { n ->
            when {
                n === top -> AxolotlKeys.ignored
                n in boundData.nodes && n.path.endsWith("]") -> DataBinding.ignoredInDataset()
                else -> emptyMap()
            }
        }, warnings)
        return TrainConfig(doc.file, model.baseModel, model.tokenizerDir, loop.outputDir, method, loss, model.lora,
            model.loraModelDir, reference, sync, loop, data, checkpointing, paddingFree, sharedPrompt, warnings, dist)
    }

    /** rl: grpo | gdpo: the shared model/loop/data keys, then GrpoBinding for the `trl:` block. */
    private fun bindGrpo(top: ConfigNode, trl: ConfigNode?, boundData: DataBinding.Bound, warnings: MutableList<String>): GrpoConfig {
        val method = boundData.config.method
        MethodBinding.inapplicable(top, method, warnings)
        val model = ModelBinding.bind(top, top.doc.file.toAbsolutePath().parent, method, warnings)
        val loop = LoopBinding.bind(top, method, top.doc.file.toAbsolutePath().parent, warnings)
        if (loop.earlyStoppingPatience > 0) {
            throw ConfigException("${top.where("early_stopping_patience")}: early_stopping_patience watches eval_loss, which rl: ${method.key} " +
                "does not compute (its evaluation generates and logs eval_reward); expected no early_stopping_patience")
        }
        val separate = top.bool("rl_adapter_ref_model") ?: false
        val gym = NemoGymBinding.bind(top, trl, warnings) // its rewards are bound when the run starts, after discovery
        val g = GrpoBinding.bind(top, trl, method, model.lora != null, separate, warnings,
            if (gym == null) ::rewardFunctions else { _ ->
                throw ConfigException("${top.where("plugins")}: this config's rewards come from NeMo Gym's /verify, bound when `lathe train` " +
                    "starts (after discovery through the head server); this command does not reach NeMo Gym servers")
            })
        if (gym != null && g.features.processes) {
            throw ConfigException("${trl!!.where("reward_isolation")}: trl.reward_isolation: process: NeMo Gym's rewards are HTTP calls to its " +
                "/verify servers (nothing to isolate; nemo_gym_verify_timeout bounds them); remove it")
        }
        GrpoBinding.geometry(top, trl, g.settings, loop.microBatchSize, loop.gradientAccumulationSteps)
        DistBinding.bind(top) // context_parallel_size > 1 refused (GDPO's sequence parallelism); ddp_* keys checked
        val checkpointing = top.bool("gradient_checkpointing") ?: false // read before the strict check, which refuses unread keys
        StrictKeys.check(listOfNotNull(top, trl) + boundData.nodes, { n ->
            when {
                n === top -> AxolotlKeys.ignored
                n in boundData.nodes && n.path.endsWith("]") -> DataBinding.ignoredInDataset()
                else -> emptyMap()
            }
        }, warnings)
        return GrpoConfig(top.doc.file, model.baseModel, model.tokenizerDir, loop.outputDir, method, g.loss, g.settings, g.rewards,
            model.lora, model.loraModelDir, g.reference, g.refSync, loop, boundData.config, checkpointing, warnings, gym, g.vllm, rewardCalls = g.features, rolloutFunction = g.rolloutFunction)
    }

    /** trl.reward_funcs / reward_weights -> Reward objects (the rewards.kts loader binds them; see docs/grpo.md). */
    private fun rewardFunctions(trl: ConfigNode): List<dev.lathe.engine.reward.Reward> = RewardBinding.bind(trl.doc.file, trl)

    /** Keys Lathe refuses when switched on (off is fine): silently ignoring them would change results. */
    private fun refuseTruthy(top: ConfigNode) {
        for ((key, reason) in AxolotlKeys.refused) {
            val v = top.raw(key) ?: continue
            val on = when {
                v.isBoolean -> v.asBoolean()
                v.isNumber -> v.asDouble() != 0.0
                v.isTextual -> v.asText().lowercase() !in setOf("false", "no", "")
                else -> true
            }
            if (on) throw ConfigException("${top.where(key)}: `$key` is not supported: $reason")
        }
    }

    /** Default learning rate per method when the config gives none (TRL's defaults). */
    fun defaultLearningRate(m: Method): Double = if (m == Method.REWARD_MODEL) 1e-4 else 1e-6
}
