package dev.lathe.scripts.cli

import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.Context
import com.github.ajalt.clikt.core.UsageError
import com.github.ajalt.clikt.parameters.arguments.argument
import com.github.ajalt.clikt.parameters.options.default
import com.github.ajalt.clikt.parameters.options.flag
import com.github.ajalt.clikt.parameters.options.option
import com.github.ajalt.clikt.parameters.types.int
import com.github.ajalt.clikt.parameters.types.long
import com.github.ajalt.clikt.parameters.types.path
import dev.lathe.engine.data.DataWarnings
import dev.lathe.engine.data.GrpoPrompt
import dev.lathe.engine.data.Preprocessor
import dev.lathe.engine.generate.Completion
import dev.lathe.engine.generate.Generator
import dev.lathe.engine.generate.Sampling
import dev.lathe.engine.io.GenerationConfig
import dev.lathe.engine.model.Models
import dev.lathe.engine.model.PeftAdapters
import dev.lathe.engine.reward.CheckedRewardRunner
import dev.lathe.engine.reward.RewardOptions
import dev.lathe.engine.reward.SampleRound
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.text.HfTokenizer
import dev.lathe.engine.text.Tokenizer
import dev.lathe.scripts.config.ConfigNode
import dev.lathe.scripts.config.GrpoDataBinding
import dev.lathe.scripts.config.RewardBinding
import java.nio.file.Files
import java.time.Duration

/**
 * `lathe reward CONFIG.yml --samples N`: samples N completions from base_model for the config's first
 * prompts (groups of trl.num_generations), scores them with trl.reward_funcs through the checked
 * runner, and prints a table per function. For checking reward functions before a GRPO run.
 */
class RewardCommand : CliktCommand(name = "reward") {
    override fun help(context: Context) =
        "Sample completions for a GRPO config's first prompts and print what each reward function gives them"

    private val config by argument("CONFIG", help = "a GRPO/GDPO config (rl: grpo | gdpo)").path(mustExist = true, canBeDir = false)
    private val samples by option("--samples", help = "completions to score (whole groups of num_generations)").int().default(16)
    private val generations by option("--generations", help = "completions per prompt (default trl.num_generations, else 8)").int()
    private val maxNew by option("--max-new-tokens", help = "default trl.max_completion_length, else 256").int()
    private val seed by option("--seed", help = "sampling seed (default: the config's seed, else 42)").long()
    private val show by option("--show", help = "print this many samples with their rewards").int().default(4)
    private val workers by option("--workers", help = "reward calls at once (default trl.reward_num_workers, else one per core)").int()
    private val timeoutMs by option("--timeout-ms", help = "per-call time limit; a call over it is unscorable").long()
    private val strict by option("--strict", help = "a reward function that throws or times out is an error").flag()

    override fun run() {
        val g = GrpoDataBinding.bindOrNull(config) ?: throw UsageError("$config: `lathe reward` needs rl: grpo or rl: gdpo")
        val trl = g.top.obj("trl") ?: throw UsageError("$config: no `trl:` block; GRPO names its reward functions in trl.reward_funcs")
        val rewards = RewardBinding.bind(g.file, trl)
        val group = (generations ?: trl.int("num_generations") ?: 8).coerceIn(1, samples)
        val promptsWanted = maxOf(1, samples / group)
        HfTokenizer.load(g.tokenizerDir).use { tok ->
            val warnings = DataWarnings { echo("data warning: $it", err = true) }
            val prompts = Preprocessor.run(g.data, tok, ConfigRun.templates(tok), warnings).promptsTrain().take(promptsWanted)
            if (prompts.isEmpty()) throw UsageError("$config: the datasets hold no prompts")
            val sampling = sampling(trl, tok, g.baseModel.resolve("generation_config.json"), g.top.long("seed")).withSamples(group)
            echo("${prompts.size} prompt${if (prompts.size == 1) "" else "s"} x $group completions, up to ${sampling.maxNewTokens()} new tokens, " +
                "temperature ${sampling.temperature()}, top_p ${sampling.topP()}, top_k ${sampling.topK()}, min_p ${sampling.minP()}")
            val completions = generate(g, tok, prompts, sampling)
            val round = SampleRound.of(prompts, completions)
            val options = RewardOptions.defaults().withStrict(strict).withLog { echo(it, err = true) }
                .let { o -> (workers ?: trl.int("reward_num_workers"))?.let { o.withWorkers(it) } ?: o }
                .let { o -> timeoutMs?.let { o.withTimeout(Duration.ofMillis(it)) } ?: o }
            CheckedRewardRunner(rewards, options).use { runner ->
                echo(RewardReport.text(rewards, round, runner.score(round, group), show))
            }
        }
    }

    private fun sampling(trl: ConfigNode, tok: Tokenizer, genConfig: java.nio.file.Path, configSeed: Long?): Sampling {
        val eos = mutableSetOf<Int>()
        tok.eosToken()?.let { tok.tokenToId(it) }?.takeIf { it >= 0 }?.let { eos += it }
        if (Files.isRegularFile(genConfig)) eos += GenerationConfig.read(genConfig).eosTokenIds()
        val max = maxNew ?: trl.int("max_completion_length") ?: 256
        // TRL's GRPO defaults: temperature 1, top_p 1, top_k 0 (off), min_p 0, repetition_penalty 1
        return Sampling.greedy(max, eos).withRepetitionPenalty(trl.double("repetition_penalty") ?: 1.0)
            .withSampling(trl.double("temperature") ?: 1.0, trl.int("top_k") ?: 0, trl.double("top_p") ?: 1.0,
                trl.double("min_p") ?: 0.0, seed ?: configSeed ?: 42L)
    }

    private fun generate(g: GrpoDataBinding.Bound, tok: Tokenizer, prompts: List<GrpoPrompt>, s: Sampling): List<Completion> =
        Models.loadCausalLM(g.baseModel, DType.F32).use { m ->
            g.loraModelDir?.let { PeftAdapters.load(m, it) }
            val pad = listOfNotNull(tok.padToken(), tok.eosToken()).map { tok.tokenToId(it) }.firstOrNull { it >= 0 } ?: 0
            Generator(m, tok, pad.toLong()).generate(prompts.map { it.ids() }, s)
        }

}
