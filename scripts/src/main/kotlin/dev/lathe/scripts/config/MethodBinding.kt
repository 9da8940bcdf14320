package dev.lathe.scripts.config

import dev.lathe.engine.align.AlignLoss
import dev.lathe.engine.align.Losses
import dev.lathe.engine.align.RefSync
import dev.lathe.engine.data.Method
import dev.lathe.engine.train.methods.ReferenceKind
import dev.lathe.engine.train.methods.ReferencePolicy

/**
 * rl / reward_model and the method keys -> one loss object from the align family (the only place a
 * loss-type string is read), plus the reference-model choice and TR-DPO's sync settings.
 */
object MethodBinding {
    /** Method keys and the methods they apply to; present but inapplicable keys get a warning. */
    private val APPLIES = mapOf(
        "dpo_loss_type" to setOf(Method.DPO), "dpo_loss_weights" to setOf(Method.DPO),
        "dpo_label_smoothing" to setOf(Method.DPO), "rpo_alpha" to setOf(Method.DPO), "discopop_tau" to setOf(Method.DPO),
        "reference_free" to setOf(Method.DPO, Method.IPO), "kto_desirable_weight" to setOf(Method.KTO),
        "kto_undesirable_weight" to setOf(Method.KTO), "simpo_gamma" to setOf(Method.SIMPO), "cpo_alpha" to setOf(Method.SIMPO),
        "center_rewards_coefficient" to setOf(Method.REWARD_MODEL),
        "precompute_ref_log_probs" to setOf(Method.DPO, Method.IPO, Method.KTO),
        "rl_adapter_ref_model" to setOf(Method.DPO, Method.IPO, Method.KTO),
    )

    /** Warns about method keys that do nothing for this method (Axolotl passes them on and TRL ignores them). */
    fun inapplicable(top: ConfigNode, method: Method, warnings: MutableList<String>) {
        for ((key, methods) in APPLIES) {
            if (top.has(key) && method !in methods) warnings += "${top.where(key)}: `$key` has no effect with ${method.key}"
        }
    }

    fun loss(top: ConfigNode, trl: ConfigNode?, method: Method): AlignLoss = wrap(top, trl) {
        APPLIES.keys.forEach { top.raw(it) }
        val beta = beta(top, trl)
        when (method) {
            Method.DPO -> Losses.dpo().apply {
                top.stringList("dpo_loss_type")?.let { lossType(it) }
                lossWeights(top.doubleList("dpo_loss_weights"))
                top.double("dpo_label_smoothing")?.let { labelSmoothing(it) }
                top.bool("reference_free")?.let { referenceFree(it) }
                rpoAlpha(top.double("rpo_alpha"))
                top.double("discopop_tau")?.let { discopopTau(it) }
                beta?.let { beta(it) }
            }.build()
            Method.IPO -> Losses.ipo().apply {
                beta?.let { beta(it) }
                top.bool("reference_free")?.let { referenceFree(it) }
                top.double("dpo_label_smoothing") // Axolotl ignores label smoothing under rl: ipo
            }.build()
            Method.KTO -> Losses.kto().apply {
                beta?.let { beta(it) }
                // Axolotl computes `value or 1.0`, so an explicit 0 also becomes 1.0
                top.double("kto_desirable_weight")?.takeIf { it != 0.0 }?.let { desirableWeight(it) }
                top.double("kto_undesirable_weight")?.takeIf { it != 0.0 }?.let { undesirableWeight(it) }
            }.build()
            Method.ORPO -> Losses.orpo(beta ?: 0.1)
            Method.SIMPO -> Losses.simpo().apply {
                beta?.let { beta(it) }
                val gamma = top.double("simpo_gamma")
                    ?: throw ConfigException("${top.where("rl")}: rl: simpo needs `simpo_gamma` (Axolotl passes None otherwise and TRL fails); TRL's default is 0.5")
                simpoGamma(gamma)
                top.double("cpo_alpha")?.let { cpoAlpha(it) }
            }.build()
            Method.REWARD_MODEL -> Losses.rewardModel(top.double("center_rewards_coefficient"))
            else -> throw ConfigException("${top.where("rl")}: rl: ${method.key} is not a preference method `lathe train` runs")
        }
    }

    /** trl.beta > rl_beta > (deprecated dpo_beta) > orpo_alpha, for every rl, as Axolotl resolves it. */
    private fun beta(top: ConfigNode, trl: ConfigNode?): Double? {
        val all = listOf(trl?.double("beta"), top.double("rl_beta"), top.double("dpo_beta"), top.double("orpo_alpha"))
        return all.firstOrNull { it != null }
    }

    fun reference(top: ConfigNode, trl: ConfigNode?, loss: AlignLoss, hasAdapter: Boolean): ReferenceKind {
        val precompute = top.bool("precompute_ref_log_probs") ?: false
        val separate = top.bool("rl_adapter_ref_model") ?: false
        return ReferencePolicy.choose(loss, hasAdapter, precompute, separate)
    }

    fun refSync(top: ConfigNode, trl: ConfigNode?, ref: ReferenceKind, hasAdapter: Boolean): RefSyncSettings? {
        fun <T> pick(key: String, get: ConfigNode.(String) -> T?): T? { val a = trl?.get(key); val b = top.get(key); return a ?: b }
        val on = pick("sync_ref_model") { bool(it) } ?: false
        val alpha = pick("ref_model_mixup_alpha") { double(it) } ?: RefSync.DEFAULT_ALPHA
        val steps = pick("ref_model_sync_steps") { long(it) } ?: RefSync.DEFAULT_SYNC_STEPS
        if (!on) return null
        val where = trl?.takeIf { it.has("sync_ref_model") }?.where("sync_ref_model") ?: top.where("sync_ref_model")
        when (ref) {
            ReferenceKind.PRECOMPUTED -> throw ConfigException("$where: sync_ref_model cannot be combined with precompute_ref_log_probs (the reference changes during training)")
            ReferenceKind.ADAPTER_DISABLED -> throw ConfigException("$where: sync_ref_model needs a separate reference model; with adapter: lora set rl_adapter_ref_model: true")
            ReferenceKind.NONE -> throw ConfigException("$where: sync_ref_model has no effect: this method uses no reference model")
            ReferenceKind.FROZEN_COPY -> if (hasAdapter) throw ConfigException("$where: sync_ref_model (TR-DPO) with adapter: lora is not supported: " +
                "the policy's trained weights are its adapters, which a base-model reference cannot take in (TRL refuses it too); train the full model")
        }
        if (!(alpha in 0.0..1.0)) throw ConfigException("$where: ref_model_mixup_alpha must be in [0, 1], got $alpha")
        if (steps < 1) throw ConfigException("$where: ref_model_sync_steps must be >= 1, got $steps")
        return RefSyncSettings(alpha, steps)
    }

    /** The align factory names its key ("loss_type: ..."); this adds the file and the line of the YAML key. */
    private fun <T> wrap(top: ConfigNode, trl: ConfigNode?, body: () -> T): T = try {
        body()
    } catch (e: ConfigException) {
        throw e
    } catch (e: IllegalArgumentException) {
        val msg = e.message ?: e.toString()
        val key = msg.substringBefore(':').substringBefore(' ').substringBefore('[')
        val yamlKey = listOf(key, "dpo_$key", "kto_$key").firstOrNull { top.node.has(it) }
        val where = when {
            yamlKey != null -> top.where(yamlKey)
            key == "rl_beta" && trl?.node?.has("beta") == true -> trl.where("beta")
            else -> top.doc.file.toString()
        }
        throw ConfigException("$where: ${yamlKey?.let { "key `$it`: " } ?: ""}$msg")
    }
}
