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
import dev.lathe.scripts.config.ConfigBinder
import dev.lathe.scripts.config.GrpoConfig
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
    private val workers by option("--workers", help = "reward calls at once (default: one per core)").int()
    private val timeoutMs by option("--timeout-ms", help = "per-call time limit; a call over it is unscorable").long()
    private val strict by option("--strict", help = "a reward function that throws or times out is an error").flag()

    override fun run() {
        val cfg = ConfigBinder.readAny(config) as? GrpoConfig ?: throw UsageError("$config: `lathe reward` needs rl: grpo or rl: gdpo")
        cfg.warnings.forEach { echo("warning: $it", err = true) }
        val rewards = cfg.rewards()
        val group = (generations ?: cfg.settings.numGenerations).coerceIn(1, samples)
        val promptsWanted = maxOf(1, samples / group)
        HfTokenizer.load(cfg.tokenizerDir).use { tok ->
            val warnings = DataWarnings { echo("data warning: $it", err = true) }
            val prompts = Preprocessor.run(cfg.data, tok, ConfigRun.templates(tok), warnings).promptsTrain().take(promptsWanted)
            if (prompts.isEmpty()) throw UsageError("$config: the datasets hold no prompts")
            val sampling = sampling(cfg, tok).withSamples(group)
            echo("${prompts.size} prompt${if (prompts.size == 1) "" else "s"} x $group completions, up to ${sampling.maxNewTokens()} new tokens, " +
                "temperature ${sampling.temperature()}, top_p ${sampling.topP()}, top_k ${sampling.topK()}, min_p ${sampling.minP()}")
            val completions = generate(cfg, tok, prompts, sampling)
            val round = SampleRound.of(prompts, completions)
            val options = RewardOptions.defaults().withStrict(strict).withLog { echo(it, err = true) }
                .let { o -> workers?.let { o.withWorkers(it) } ?: o }
                .let { o -> timeoutMs?.let { o.withTimeout(Duration.ofMillis(it)) } ?: o }
            CheckedRewardRunner(rewards, options).use { runner ->
                echo(RewardReport.text(rewards, round, runner.score(round, group), show))
            }
        }
    }

    /** The trl: block's sampling (GrpoSettings, bound by the GRPO binder), with this command's overrides. */
    private fun sampling(cfg: GrpoConfig, tok: Tokenizer): Sampling {
        val eos = mutableSetOf<Int>()
        tok.eosToken()?.let { tok.tokenToId(it) }?.takeIf { it >= 0 }?.let { eos += it }
        val genConfig = cfg.baseModel.resolve("generation_config.json")
        if (Files.isRegularFile(genConfig)) eos += GenerationConfig.read(genConfig).eosTokenIds()
        val s = cfg.settings
        return Sampling(maxNew ?: s.maxCompletionLength, true, s.temperature, s.topK, s.topP, s.minP, s.repetitionPenalty, 1,
            seed ?: cfg.loop.seed, eos, s.stopStrings, true)
    }

    private fun generate(cfg: GrpoConfig, tok: Tokenizer, prompts: List<GrpoPrompt>, s: Sampling): List<Completion> =
        Models.loadCausalLM(cfg.baseModel, DType.F32).use { m ->
            cfg.loraModelDir?.let { PeftAdapters.load(m, it) }
            val pad = listOfNotNull(tok.padToken(), tok.eosToken()).map { tok.tokenToId(it) }.firstOrNull { it >= 0 } ?: 0
            Generator(m, tok, pad.toLong()).generate(prompts.map { it.ids() }, s)
        }

}
