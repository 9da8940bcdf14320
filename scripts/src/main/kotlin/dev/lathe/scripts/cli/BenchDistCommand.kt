package dev.lathe.scripts.cli

import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.Context
import com.github.ajalt.clikt.parameters.options.default
import com.github.ajalt.clikt.parameters.options.option
import com.github.ajalt.clikt.parameters.types.choice
import com.github.ajalt.clikt.parameters.types.int
import dev.lathe.scripts.bench.DistBench
import java.nio.file.Files
import java.nio.file.Path

/**
 * `lathe bench dist`: DPO steps/s of N processes x 1 thread against 1 process x N threads (same global
 * batch, same machine, alternating sides over rounds; median ratio), and the all-reduce time per step.
 */
class BenchDistCommand : CliktCommand(name = "dist") {
    override fun help(context: Context) = "Data-parallel DPO: N processes x T/N threads vs 1 process x T threads, and all-reduce cost per step"

    private val ranks by option("--ranks", help = "processes on the data-parallel side").int().default(2)
    private val threads by option("--threads", help = "total libtorch threads per side (default: cores)").int()
        .default(Runtime.getRuntime().availableProcessors())
    private val hidden by option("--hidden").int().default(256)
    private val layers by option("--layers").int().default(4)
    private val microBatch by option("--micro-batch").int().default(8)
    private val steps by option("--steps").int().default(8)
    private val rounds by option("--rounds").int().default(3)
    private val part by option("--part", help = "steps, all-reduce, or both").choice("steps", "all-reduce", "both").default("both")

    override fun run() {
        val repo = Path.of(System.getenv("LATHE_REPO") ?: ".")
        val bench = DistBench(Files.createTempDirectory("lathe-bench-dist"), repo, hidden, layers, microBatch, steps, ranks, threads)
        echo("DPO full fine-tuning, hidden $hidden x $layers layers (${bench.parameterBytes() shr 20} MiB of fp32 weights), " +
            "global batch $ranks x $microBatch pairs, $steps steps; $ranks processes x ${threads / ranks} thread(s) vs 1 process x $threads")
        if (part != "steps") allReduce(bench)
        if (part == "all-reduce") return
        val ratios = mutableListOf<Double>()
        for (r in 1..rounds) {
            // alternate which side runs first, so a drift in the machine's load hits both
            val (multi, single) = if (r % 2 == 1) bench.multi().let { it to bench.single() } else bench.single().let { bench.multi() to it }
            val ratio = multi.stepsPerSecond / single.stepsPerSecond
            ratios += ratio
            echo("round $r: ${ranks}p: %.3f steps/s (all-reduce %.1f ms/step = %.0f%%), 1p: %.3f steps/s, ratio %.2f, load %s".format(
                multi.stepsPerSecond, 1000 * multi.allReducePerStep, 100 * multi.allReducePerStep * multi.stepsPerSecond,
                single.stepsPerSecond, ratio, load()))
            echo("""{"side":"${ranks}p","round":$r,"steps_per_s":${multi.stepsPerSecond},"all_reduce_s_per_step":${multi.allReducePerStep},"phases":${json(multi.phases)}}""")
            echo("""{"side":"1p","round":$r,"steps_per_s":${single.stepsPerSecond},"phases":${json(single.phases)}}""")
        }
        echo("median ratio (${ranks}p x ${threads / ranks}t / 1p x ${threads}t): %.2f over $rounds rounds; load %s".format(ratios.sorted()[ratios.size / 2], load()))
    }

    /** The all-reduce alone (2 ranks, the model's fp32 gradient size, a barrier before each), against torch.distributed. */
    private fun allReduce(bench: DistBench) {
        val numel = bench.parameterBytes() / 4
        val ratios = mutableListOf<Double>()
        for (r in 1..rounds) {
            val (lathe, torch) = if (r % 2 == 1) bench.allReduceMs(numel, 20, 40, true).let { it to bench.allReduceMs(numel, 20, 40, false) }
            else bench.allReduceMs(numel, 20, 40, false).let { bench.allReduceMs(numel, 20, 40, true) to it }
            ratios += lathe / torch
            echo("all-reduce round $r: $numel floats: Lathe %.2f ms (40 tensors, bucketed), torch.distributed gloo %.2f ms (one tensor), ratio %.2f, load %s"
                .format(lathe, torch, lathe / torch, load()))
        }
        echo("all-reduce median ratio (Lathe / torch.distributed): %.2f over $rounds rounds".format(ratios.sorted()[ratios.size / 2]))
    }

    private fun load() = Files.readString(Path.of("/proc/loadavg")).split(" ").take(3).joinToString(" ")

    private fun json(m: Map<String, Double>) = m.entries.joinToString(",", "{", "}") { "\"${it.key}\":${it.value}" }
}
