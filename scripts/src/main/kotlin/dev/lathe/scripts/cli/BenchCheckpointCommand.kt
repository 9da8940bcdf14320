package dev.lathe.scripts.cli

import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.Context
import com.github.ajalt.clikt.parameters.groups.provideDelegate
import com.github.ajalt.clikt.parameters.options.default
import com.github.ajalt.clikt.parameters.options.option
import com.github.ajalt.clikt.parameters.types.choice
import com.github.ajalt.clikt.parameters.types.int
import dev.lathe.scripts.bench.CheckpointBench
import dev.lathe.scripts.bench.ModelBench

/**
 * `lathe bench checkpointing`: peak RSS of a full fine-tuning step with and without layer-wise
 * gradient checkpointing. Run `--mode on` and `--mode off` in separate processes for clean figures:
 * freed native memory the allocator keeps can hide part of a second measurement in one process.
 */
class BenchCheckpointCommand : CliktCommand(name = "checkpointing") {
    override fun help(context: Context) = "Peak RSS and time of one train step with and without gradient checkpointing"

    private val shape by BenchShapeOptions()
    private val batch by option("--batch").int().default(4)
    private val seq by option("--seq").int().default(256)
    private val chunk by option("--chunk").int().default(256)
    private val mode by option("--mode", help = "on, off, or both (on first)").choice("on", "off", "both").default("both")

    override fun run() {
        ModelBench(shape.layers, shape.hidden, shape.heads, shape.kvHeads, shape.ffn, shape.vocab).model().use { m ->
            val modes = when (mode) { "on" -> listOf(true); "off" -> listOf(false); else -> listOf(true, false) }
            for (on in modes) {
                val (mb, secs) = CheckpointBench.stepPeakMb(m, shape.vocab, batch, seq, chunk, on)
                echo("checkpointing=%-5s layers=%d hidden=%d b=%d s=%d: step peak RSS +%.0f MB, %.2f s".format(
                    on, shape.layers, shape.hidden, batch, seq, mb, secs))
            }
        }
    }
}
