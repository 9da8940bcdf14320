package dev.lathe.scripts.cli

import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.Context
import com.github.ajalt.clikt.parameters.arguments.argument
import com.github.ajalt.clikt.core.ProgramResult
import com.github.ajalt.clikt.core.UsageError
import com.github.ajalt.clikt.parameters.options.check
import com.github.ajalt.clikt.parameters.options.default
import com.github.ajalt.clikt.parameters.options.flag
import com.github.ajalt.clikt.parameters.options.option
import com.github.ajalt.clikt.parameters.types.int
import com.github.ajalt.clikt.parameters.types.path
import dev.lathe.engine.dist.Rendezvous
import dev.lathe.scripts.config.ConfigBinder
import dev.lathe.scripts.config.GrpoConfig
import dev.lathe.scripts.config.TrainConfig

/** `lathe train CONFIG.yml`: an Axolotl-style config, read strictly, trained by the method's trainer. */
class TrainCommand : CliktCommand(name = "train") {
    override fun help(context: Context) =
        "Train from an Axolotl-style YAML config (rl: dpo | ipo | kto | orpo | simpo | grpo | gdpo | ebft, or reward_model: true)"

    private val config by argument("CONFIG", help = "the YAML config").path(mustExist = true, canBeDir = false)
    private val check by option("--check", help = "only read and check the config, then print what would run").flag()
    private val numProcesses by option("--num-processes", help = "data-parallel ranks to start on this machine (Axolotl's flag); " +
        "multi-node jobs set torchrun's variables instead").int().default(1).check("must be >= 1") { it >= 1 }

    override fun run() {
        when (val cfg = ConfigBinder.readAny(config)) {
            is GrpoConfig -> {
                cfg.warnings.forEach { echo("warning: $it", err = true) }
                echo(summary(cfg), err = true)
                if (check) return
                if (numProcesses > 1 || Rendezvous.inEnvironment(System.getenv())) {
                    throw UsageError("rl: ${cfg.method.key} does not run data-parallel yet (--num-processes / torchrun variables); run it in one process")
                }
                GrpoRun.run(cfg)
            }
            is dev.lathe.scripts.config.EbftConfig -> {
                cfg.warnings.forEach { echo("warning: $it", err = true) }
                echo(EbftRun.summary(cfg), err = true)
                if (check) return
                if (numProcesses > 1 || Rendezvous.inEnvironment(System.getenv())) throw UsageError("rl: ebft does not run data-parallel yet; run it in one process")
                EbftRun.run(cfg)
            }
            is TrainConfig -> trainOffline(cfg)
        }
    }

    private fun trainOffline(cfg: TrainConfig) {
        cfg.warnings.forEach { echo("warning: $it", err = true) }
        echo(summary(cfg), err = true)
        if (check) return
        val env = System.getenv()
        when {
            numProcesses > 1 -> {
                if (Rendezvous.inEnvironment(env)) throw UsageError("--num-processes starts its own ranks, but WORLD_SIZE=${env["WORLD_SIZE"]} says this process already is one")
                val code = LocalLaunch.run(listOf("train", config.toAbsolutePath().toString()), numProcesses, cfg.dist.timeout)
                if (code != 0) throw ProgramResult(code)
            }
            Rendezvous.inEnvironment(env) -> DistRun.rank(cfg, env)
            else -> ConfigRun.run(cfg)
        }
    }

    private fun summary(c: GrpoConfig): String = buildString {
        val s = c.settings
        append("method ${c.method.key} (loss_type ${c.loss.type().yaml}, beta ${c.loss.beta()}, ${s.aggregation}), reference ${c.reference.name.lowercase()}")
        c.lora?.let { append(", LoRA r=${it.r} alpha=${it.alpha}") }
        append("\nbase_model ${c.baseModel}\noutput_dir ${c.outputDir}")
        append("\nnum_generations ${s.numGenerations}, max_completion_length ${s.maxCompletionLength}, micro_batch_size ${c.loop.microBatchSize} ")
        append("x gradient_accumulation_steps ${c.loop.gradientAccumulationSteps}, num_iterations ${s.numIterations}, learning_rate ${c.loop.learningRate}")
    }

    private fun summary(c: TrainConfig): String = buildString {
        append("method ${c.method.key} (${c.loss.javaClass.simpleName}), reference ${c.reference.name.lowercase()}")
        c.lora?.let { append(", LoRA r=${it.r} alpha=${it.alpha}") }
        append("\nbase_model ${c.baseModel}\noutput_dir ${c.outputDir}")
        append("\nmicro_batch_size ${c.loop.microBatchSize} x gradient_accumulation_steps ${c.loop.gradientAccumulationSteps}, ")
        append("learning_rate ${c.loop.learningRate}, ${c.loop.schedule}")
    }
}
