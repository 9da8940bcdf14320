package dev.lathe.scripts.cli

import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.Context
import com.github.ajalt.clikt.parameters.arguments.argument
import com.github.ajalt.clikt.parameters.options.flag
import com.github.ajalt.clikt.parameters.options.option
import com.github.ajalt.clikt.parameters.types.path
import dev.lathe.scripts.config.ConfigBinder
import dev.lathe.scripts.config.GrpoConfig
import dev.lathe.scripts.config.TrainConfig

/** `lathe train CONFIG.yml`: an Axolotl-style config, read strictly, trained by the method's trainer. */
class TrainCommand : CliktCommand(name = "train") {
    override fun help(context: Context) =
        "Train from an Axolotl-style YAML config (rl: dpo | ipo | kto | orpo | simpo | grpo | gdpo, or reward_model: true)"

    private val config by argument("CONFIG", help = "the YAML config").path(mustExist = true, canBeDir = false)
    private val check by option("--check", help = "only read and check the config, then print what would run").flag()

    override fun run() {
        when (val cfg = ConfigBinder.readAny(config)) {
            is GrpoConfig -> {
                cfg.warnings.forEach { echo("warning: $it", err = true) }
                echo(summary(cfg), err = true)
                if (check) return
                GrpoRun.run(cfg)
            }
            is TrainConfig -> {
                cfg.warnings.forEach { echo("warning: $it", err = true) }
                echo(summary(cfg), err = true)
                if (check) return
                ConfigRun.run(cfg)
            }
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
