package dev.lathe.scripts.dsl

import dev.lathe.engine.align.ImportanceSampling
import dev.lathe.engine.align.Losses
import dev.lathe.engine.generate.Generator
import dev.lathe.engine.generate.Sampling
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.reward.CheckedRewardRunner
import dev.lathe.engine.reward.Reward
import dev.lathe.engine.reward.Sample
import dev.lathe.engine.tensor.Runtime
import dev.lathe.engine.text.HfTokenizer
import dev.lathe.engine.text.Tokenizer
import dev.lathe.engine.data.GrpoPrompt
import dev.lathe.engine.data.GrpoPrompts
import dev.lathe.engine.train.grpo.GrpoSettings
import dev.lathe.engine.train.grpo.GrpoTraining
import dev.lathe.engine.train.methods.PolicyLoader
import dev.lathe.engine.data.TemplateRenderers
import java.nio.file.Files
import java.nio.file.Path

/**
 * grpo(model, prompts) { reward("correct", weight = 2.0) { s -> ... } }: GRPO/GDPO with reward functions
 * written inline. `settings` is the engine's GrpoSettings itself; the loss keys are plain fields.
 */
class GrpoSpec : RunSpec("grpo") {
    val settings = GrpoSettings()
    var beta = 0.0
    var lossType = "dapo"
    var epsilon = 0.2
    var epsilonHigh: Double? = null
    var delta: Double? = null
    var importanceSamplingLevel = "token"
    var topEntropyQuantile = 1.0
    /** The sampler-mismatch correction; null = token_truncate with cap 3 when settings.async is set (as YAML), else off. */
    var importanceSampling: ImportanceSampling? = null
    var offPolicyMaskThreshold: Double? = null
    /** Reward calls that may run at once (null = one per core); an I/O-bound verifier wants many. */
    var rewardWorkers: Int? = null
    internal val rewards = mutableListOf<Reward>()
    /** Held-out prompts generated and scored every loop.evalSteps (eval_reward, eval_rewards/NAME/mean in metrics.jsonl). */
    var evalPrompts: List<GrpoPrompt> = emptyList()

    /** GRPO's own settings: numGenerations, maxCompletionLength, temperature, numIterations, ... */
    fun grpo(block: GrpoSettings.() -> Unit) { settings.block() }

    /** A per-completion reward; return null when the completion cannot be scored. */
    fun reward(name: String, weight: Double = 1.0, f: (Sample) -> Double?) { rewards += Reward.of(name, weight) { f(it) } }

    /** A reward that sees the whole group of a prompt (G completions in, G values out). */
    fun groupReward(name: String, weight: Double = 1.0, f: (List<Sample>) -> List<Double?>) { rewards += Reward.ofGroup(name, weight) { f(it) } }

    /** A ready-made Reward (e.g. from dev.lathe.engine.reward.Builtins). */
    fun reward(r: Reward) { rewards += r }

    internal fun loss() = Losses.grpo().lossType(lossType).beta(beta).epsilon(epsilon).epsilonHigh(epsilonHigh).delta(delta)
        .importanceSamplingLevel(importanceSamplingLevel).topEntropyQuantile(topEntropyQuantile).maxCompletionLength(settings.maxCompletionLength)
        .importanceSampling(importanceSampling ?: settings.async?.let { ImportanceSampling(ImportanceSampling.Mode.TOKEN_TRUNCATE, null, 3.0) })
        .offPolicyMaskThreshold(offPolicyMaskThreshold).build()
}

/**
 * Prompts for GRPO from rows: `prompt` is text (tokenised with special tokens) or a message list (the
 * tokenizer's chat template with the generation prompt), encoded by the engine's one GRPO prompt encoder.
 */
fun prompts(model: Path, rows: List<Map<String, Any?>>, key: String = "prompt", chatTemplateKwargs: Map<String, Any?> = emptyMap()): List<GrpoPrompt> {
    val tok = HfTokenizer.load(model)
    val encoder = GrpoPrompts(tok, TemplateRenderers.of(tok), "tokenizer_default", null, chatTemplateKwargs)
    @Suppress("UNCHECKED_CAST")
    return rows.mapIndexed { i, r -> encoder.encode(r[key], r as Map<String, Any>, "$i (key `$key`)") }
}

fun grpo(model: Path, prompts: List<GrpoPrompt>, block: GrpoSpec.() -> Unit = {}): Trained {
    val s = GrpoSpec().apply { loop.learningRate = 1e-5 }.apply(block)
    Runtime.seed(s.loop.seed)
    val tok = HfTokenizer.load(model)
    PolicyLoader.causalLM(model).use { m ->
        s.lora?.let { m.addLora(it) }
        val options = dev.lathe.engine.reward.RewardOptions.defaults().let { o -> s.rewardWorkers?.let { o.withWorkers(it) } ?: o }
        CheckedRewardRunner(s.rewards.toList(), options).use { runner ->
            val run = GrpoTraining().apply {
                this.model = m
                loss = s.loss()
                grpo = s.settings
                s.reference?.let { reference = it }
                referenceCopy = { PolicyLoader.causalLM(model) }
                this.prompts = prompts
                evalPrompts = s.evalPrompts
                rewards = runner
                tokenizer = tok
                eosIds = eosIds(model, tok)
                padId = padId(tok)
                loop = s.loop
                baseModelDir = model
            }.run()
            return Trained(run, s.output, model, s.lora != null)
        }
    }
}

/** rl: gdpo: GRPO with each reward normalised within its group before the weighted sum. */
fun gdpo(model: Path, prompts: List<GrpoPrompt>, block: GrpoSpec.() -> Unit = {}): Trained =
    grpo(model, prompts) { settings.aggregation = "normalize_then_sum"; block() }

/**
 * Mean reward per function (and their weighted sum under "reward") of `samples` completions per prompt,
 * sampled at `temperature`: the held-out check a recipe prints before and after training.
 */
fun rewardStats(model: CausalLM, tokenizerDir: Path, prompts: List<GrpoPrompt>, rewards: List<Reward>, samples: Int = 4,
                maxNewTokens: Int = 32, temperature: Double = 1.0, seed: Long = 0): Map<String, Double> {
    val tok = HfTokenizer.load(tokenizerDir)
    val sampling = Sampling(maxNewTokens, true, temperature, 0, 1.0, 0.0, 1.0, samples, seed, eosIds(tokenizerDir, tok), listOf(), true)
    val out = Generator(model, tok, padId(tok).toLong()).generate(prompts.map { it.ids() }, sampling)
    val list = out.mapIndexed { i, c ->
        val p = prompts[c.prompt()]
        Sample(i, c.prompt(), c.sample(), p.text(), c.text(), p.ids(), c.tokens(), p.row(), c.truncated())
    }
    CheckedRewardRunner(rewards).use { runner ->
        val v = runner.score(list, samples).values()
        val stats = LinkedHashMap<String, Double>()
        rewards.forEachIndexed { k, r -> stats[r.name()] = v.map { it[k] }.filter { !it.isNaN() }.average() }
        stats["reward"] = v.map { row -> rewards.indices.sumOf { k -> if (row[k].isNaN()) 0.0 else rewards[k].weight() * row[k] } }.average()
        return stats
    }
}

internal fun eosIds(model: Path, tok: Tokenizer): Set<Int> {
    val eos = mutableSetOf<Int>()
    tok.eosToken()?.let { tok.tokenToId(it) }?.takeIf { it >= 0 }?.let { eos += it }
    val gc = model.resolve("generation_config.json")
    if (Files.isRegularFile(gc)) eos += dev.lathe.engine.io.GenerationConfig.read(gc).eosTokenIds()
    return eos
}

internal fun padId(tok: Tokenizer): Int = listOfNotNull(tok.padToken(), tok.eosToken()).map { tok.tokenToId(it) }.firstOrNull { it >= 0 } ?: 0
