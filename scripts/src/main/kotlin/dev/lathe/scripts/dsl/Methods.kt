package dev.lathe.scripts.dsl

import dev.lathe.engine.align.AlignLoss
import dev.lathe.engine.align.Losses
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.LanguageModel
import dev.lathe.engine.model.Models
import dev.lathe.engine.nn.LoraSpec
import dev.lathe.engine.tensor.Runtime
import dev.lathe.engine.train.LoopSettings
import dev.lathe.engine.train.RunResult
import dev.lathe.engine.train.TrainLoop
import dev.lathe.engine.train.methods.PolicyLoader
import dev.lathe.engine.train.methods.PolicyState
import dev.lathe.engine.train.methods.ReferenceKind
import dev.lathe.engine.train.methods.ReferencePolicy
import dev.lathe.engine.train.methods.SftStep
import dev.lathe.engine.train.methods.Training
import java.nio.file.Path

/**
 * What every method block shares: the loop settings (the engine's LoopSettings itself), LoRA, the
 * reference choice and the output folder. Defaults suit small recipe models (lr 1e-4).
 */
open class RunSpec(val method: String) {
    val loop = LoopSettings().apply { learningRate = 1e-4; outputDir = Path.of("out", method); savesPerEpoch = 0 }
    var lora: LoraSpec? = null
    /** null: adapter-disabled with LoRA, a frozen copy without. */
    var reference: ReferenceKind? = null
    var output: Path
        get() = loop.outputDir
        set(v) { loop.outputDir = v }

    fun loop(block: LoopSettings.() -> Unit) { loop.block() }

    /** LoRA on the given modules, or on every linear layer when none are named. */
    fun lora(r: Int = 8, alpha: Double = 16.0, dropout: Double = 0.0, targets: List<String> = emptyList()) {
        lora = LoraSpec(r, alpha, dropout, targets, targets.isEmpty(), false)
    }
}

class DpoSpec : RunSpec("dpo") {
    var beta = 0.1
    var loss: DpoType = Sigmoid
    /** Several loss types with weights (MPO style); overrides `loss` when set. */
    var losses: List<Pair<DpoType, Double>>? = null
    var labelSmoothing = 0.0
    var rpoAlpha: Double? = null
    var referenceFree = false
    /** TR-DPO: mix the policy into a frozen reference copy every syncSteps updates. */
    var syncRefModel: Pair<Double, Long>? = null

    internal fun build(): AlignLoss = Losses.dpo().beta(beta).lossType((losses?.map { it.first } ?: listOf(loss)).map { it.key })
        .lossWeights(losses?.map { it.second }).labelSmoothing(labelSmoothing).rpoAlpha(rpoAlpha).referenceFree(referenceFree).build()
}

class KtoSpec : RunSpec("kto") {
    var beta = 0.1
    var desirableWeight = 1.0
    var undesirableWeight = 1.0
}

class OrpoSpec : RunSpec("orpo") { var alpha = 0.1 }

class SimpoSpec : RunSpec("simpo") {
    var beta = 2.0
    var gamma = 0.5
    var cpoAlpha = 0.0
}

class RewardSpec : RunSpec("reward") { var centerRewardsCoefficient: Double? = null }

class SftSpec : RunSpec("sft")

/** A finished run: its metrics and where the model (or adapter) was written. */
class Trained(val run: RunResult, val output: Path, val base: Path, val isAdapter: Boolean) {
    val lastEval: Map<String, Double> get() = run.lastEval()
}

fun dpo(model: Path, data: Data, block: DpoSpec.() -> Unit = {}): Trained {
    val s = DpoSpec().apply(block)
    return train(model, data, s, s.build(), s.syncRefModel)
}

/** rl: ipo as a method of its own (DPO data and reference, the IPO loss). */
fun ipo(model: Path, data: Data, block: DpoSpec.() -> Unit = {}): Trained = dpo(model, data) { loss = Ipo; block() }

fun kto(model: Path, data: Data, block: KtoSpec.() -> Unit = {}): Trained {
    val s = KtoSpec().apply { loop.shuffle = false }.apply(block)
    return train(model, data, s, Losses.kto().beta(s.beta).desirableWeight(s.desirableWeight).undesirableWeight(s.undesirableWeight).build(), null)
}

fun orpo(model: Path, data: Data, block: OrpoSpec.() -> Unit = {}): Trained {
    val s = OrpoSpec().apply(block)
    return train(model, data, s, Losses.orpo(s.alpha), null)
}

fun simpo(model: Path, data: Data, block: SimpoSpec.() -> Unit = {}): Trained {
    val s = SimpoSpec().apply(block)
    return train(model, data, s, Losses.simpo().beta(s.beta).simpoGamma(s.gamma).cpoAlpha(s.cpoAlpha).build(), null)
}

fun rewardModel(model: Path, data: Data, block: RewardSpec.() -> Unit = {}): Trained {
    val s = RewardSpec().apply(block)
    return train(model, data, s, Losses.rewardModel(s.centerRewardsCoefficient), null)
}

/** Supervised warm-up on each example's chosen answer; writes a full model folder. */
fun sft(model: Path, data: Data, block: SftSpec.() -> Unit = {}): Trained {
    val s = SftSpec().apply(block)
    Runtime.seed(s.loop.seed)
    PolicyLoader.causalLM(model).use { m ->
        s.lora?.let { m.addLora(it) }
        val run = TrainLoop(s.loop, PolicyState(m, model), SftStep(m), SftStep.source(data.train, data.padId),
            SftStep.source(data.eval, data.padId)).run()
        return Trained(run, s.output, model, s.lora != null)
    }
}

private fun train(model: Path, data: Data, s: RunSpec, loss: AlignLoss, sync: Pair<Double, Long>?): Trained {
    Runtime.seed(s.loop.seed)
    val policy: LanguageModel = if (loss is dev.lathe.engine.align.RewardLoss) PolicyLoader.rewardModel(model, s.loop.seed)
    else PolicyLoader.causalLM(model).also { m -> s.lora?.let { m.addLora(it) } }
    policy.use {
        val run = Training().apply {
            this.model = policy
            this.loss = loss
            reference = s.reference ?: ReferencePolicy.choose(loss, s.lora != null, false, sync != null)
            referenceCopy = { PolicyLoader.causalLM(model) }
            referenceCacheDir = ReferencePolicy.cacheDir()
            referenceCacheKey = ReferencePolicy.cacheKey(model, data.tokenizerDir, data.sequenceLen, s.loop.bf16, s.lora != null, data.train + data.eval)
            train = data.train
            eval = data.eval
            padId = data.padId
            loop = s.loop
            baseModelDir = model
            sync?.let { syncAlpha = it.first; syncSteps = it.second }
        }.run()
        return Trained(run, s.output, model, s.lora != null && loss !is dev.lathe.engine.align.RewardLoss)
    }
}

/** Loads a trained result: the full folder, or the base with the adapter on top. */
fun load(t: Trained): CausalLM =
    if (t.isAdapter) PolicyLoader.causalLM(t.base).also { dev.lathe.engine.model.PeftAdapters.load(it, t.output) }
    else Models.loadCausalLM(t.output, dev.lathe.engine.tensor.DType.F32)
