package dev.lathe.scripts.cli

import com.fasterxml.jackson.databind.ObjectMapper
import com.fasterxml.jackson.databind.node.ObjectNode
import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.Context
import com.github.ajalt.clikt.parameters.groups.provideDelegate
import com.github.ajalt.clikt.parameters.options.default
import com.github.ajalt.clikt.parameters.options.flag
import com.github.ajalt.clikt.parameters.options.option
import com.github.ajalt.clikt.parameters.types.choice
import com.github.ajalt.clikt.parameters.types.int
import com.github.ajalt.clikt.parameters.types.restrictTo
import dev.lathe.engine.data.PairLayout
import dev.lathe.engine.tensor.Runtime
import dev.lathe.scripts.bench.DpoBench
import dev.lathe.scripts.bench.PythonPeer
import dev.lathe.scripts.bench.Rounds
import dev.lathe.scripts.sys.Blas
import java.io.File

/**
 * `lathe bench dpo`: one DPO step, Lathe vs the same step in PyTorch eager (bench/dpo_peer.py). Each side
 * runs in its own process per round, the sides alternate over `--rounds`, and the result is the median
 * of the per-round ratios (step time and peak RSS), with the load average of every run.
 */
class BenchDpoCommand : CliktCommand(name = "dpo") {
    override fun help(context: Context) =
        "One DPO step (policy fwd/bwd, reference fwd, AdamW) on a ~50M Llama, Lathe vs PyTorch eager, alternating " +
            "over rounds: step time, tokens/s, GFLOP/s, peak RSS, median ratios"

    private val shape by BenchShapeOptions()
    private val pairs by option("--pairs").int().default(4)
    private val seq by option("--seq").int().default(256)
    private val prompt by option("--prompt").int().default(64)
    private val steps by option("--steps", help = "measured steps per side per round (median) after one warm-up").int().restrictTo(1).default(2)
    private val rounds by option("--rounds", help = "alternating rounds (each side a fresh process per round)").int().restrictTo(1).default(3)
    private val bf16 by option("--bf16", help = "bf16 autocast on both sides").flag()
    private val layouts = mapOf("padded" to PairLayout.PADDED, "packed" to PairLayout.PACKED, "shared" to PairLayout.SHARED_PROMPT)
    private val layout by option("--layout", help = "Lathe's pair layout: padded [2b, s] rows, packed (dpo_padding_free), " +
        "shared (prefix sharing; the trainer's default)").choice(layouts).default(PairLayout.choose(false, null, 0.0))
    private val python by option("--python", help = "the peer's interpreter").default("/usr/bin/python3")
    private val noPeer by option("--no-peer", help = "measure Lathe only, in this process").flag()
    private val worker by option("--worker", hidden = true, help = "internal: one Lathe side, JSON line only").flag()

    private fun bench() = DpoBench(shape.layers, shape.hidden, shape.heads, shape.kvHeads, shape.ffn, shape.vocab, pairs, seq, prompt, layout)

    private fun sideArgs() = shape.peerArgs() + listOf("--pairs", "$pairs", "--seq", "$seq", "--prompt", "$prompt",
        "--steps", "$steps") + if (bf16) listOf("--bf16") else emptyList()

    private fun layoutKey() = layouts.entries.first { it.value == layout }.key

    private fun latheArgs() = sideArgs() + listOf("--layout", layoutKey())

    override fun run() {
        if (worker || noPeer) {
            val line = ObjectMapper().writeValueAsString(latheSide())
            if (noPeer) echo(line) else println(line)
            return
        }
        val threads = Runtime.threads()
        val peerCmd = PythonPeer.command(python, File(PythonPeer.repoRoot(), "bench/dpo_peer.py"), sideArgs() + listOf("--threads", "$threads"))
        val latheCmd = Rounds.sameJvm(listOf("bench", "dpo", "--worker") + latheArgs())
        val flops = bench().flops()
        echo("DPO step: ${shape.describe()}; $pairs pairs x $seq tokens (prompt $prompt); Lathe layout ${layoutKey()}; ${if (bf16) "bf16 autocast" else "fp32"}; " +
            "$threads threads; %.1f GFLOP per step; $rounds rounds x $steps steps per side".format(flops / 1e9))
        val json = ObjectMapper()
        val runs = Rounds.alternate(rounds, latheCmd, peerCmd) { run ->
            (run.json as ObjectNode).put("round", run.round).put("load", run.load).put("gflops", flops / run.json["step_s"].asDouble() / 1e9)
            echo(json.writeValueAsString(run.json))
        }
        report(runs, flops, runCatching { Blas.gemmGflops() }.getOrNull())
    }

    private fun latheSide(): Map<String, Any> {
        val b = bench()
        val r = b.run(steps, bf16)
        return mapOf("side" to "lathe", "layout" to layoutKey(), "step_s" to r.stepSeconds, "tokens_per_s" to r.tokens / r.stepSeconds,
            "gflops" to b.flops() / r.stepSeconds / 1e9, "peak_rss_mb" to DpoBench.peakRssMb(), "phases_s" to r.phases,
            "threads" to Runtime.threads(), "bf16" to bf16, "user_s" to r.cost.userS, "sys_s" to r.cost.sysS,
            "minor_faults" to r.cost.minorFaults, "malloc" to (System.getenv("LD_PRELOAD")?.takeIf { it.isNotBlank() }?.split(':')?.joinToString(",") { it.substringAfterLast('/') } ?: "glibc"))
    }

    private fun report(runs: List<Pair<Rounds.Run, Rounds.Run>>, flops: Double, gemm: Double?) {
        fun step(r: Rounds.Run) = r.json["step_s"].asDouble()
        fun rss(r: Rounds.Run) = r.json["peak_rss_mb"].asDouble()
        val tokens = 2.0 * pairs * seq
        echo("%-8s %10s %12s %10s %12s".format("side", "step s", "tokens/s", "GFLOP/s", "peak RSS MB"))
        for ((name, pick) in listOf<Pair<String, (Pair<Rounds.Run, Rounds.Run>) -> Rounds.Run>>("lathe" to { it.first }, "pytorch" to { it.second })) {
            val s = Rounds.median(runs.map { step(pick(it)) })
            echo("%-8s %10.3f %12.0f %10.1f %12.0f".format(name, s, tokens / s, flops / s / 1e9, Rounds.median(runs.map { rss(pick(it)) })))
        }
        val speed = Rounds.median(runs.map { step(it.second) / step(it.first) })
        val memory = Rounds.median(runs.map { rss(it.first) / rss(it.second) })
        val loads = runs.flatMap { listOf(it.first.load, it.second.load) }
        // CPU seconds (user + sys) of the step: on a machine shared with other users, less sensitive to
        // the moment's load than wall time (which is what the speed-up above compares)
        fun cpu(r: Rounds.Run) = r.json["user_s"].asDouble() + r.json["sys_s"].asDouble()
        val cpuRatio = Rounds.median(runs.map { cpu(it.second) / cpu(it.first) })
        echo("per-round speed-up (pytorch step / lathe step): ${runs.joinToString { "%.2f".format(step(it.second) / step(it.first)) }}")
        echo("median speed-up %.2fx; median peak RSS lathe/pytorch %.2f; load average %.1f-%.1f".format(speed, memory, loads.min(), loads.max()))
        echo("median CPU-time ratio (pytorch user+sys / lathe user+sys per step): %.2fx".format(cpuRatio))
        echo("lathe phases (last round): ${runs.last().first.json["phases_s"]}")
        fun cost(r: Rounds.Run) = "user %.1f s, sys %.1f s, %d minor faults".format(r.json["user_s"].asDouble(), r.json["sys_s"].asDouble(), r.json["minor_faults"].asLong())
        echo("one step's CPU (last round): lathe ${cost(runs.last().first)}; pytorch ${cost(runs.last().second)}")
        echo("pytorch phases (last round): ${runs.last().second.json["phases_s"]}")
        gemm?.let { echo("machine fp32 GEMM peak (1024^3): %.1f GFLOP/s; Lathe's median step reaches %.0f%% of it".format(it,
            100 * flops / Rounds.median(runs.map { r -> step(r.first) }) / 1e9 / it)) }
        echo(ObjectMapper().writeValueAsString(mapOf("side" to "summary", "speedup_median" to speed, "rss_ratio_median" to memory, "cpu_ratio_median" to cpuRatio,
            "rounds" to runs.size, "bf16" to bf16, "load_min" to loads.min(), "load_max" to loads.max())))
    }
}
