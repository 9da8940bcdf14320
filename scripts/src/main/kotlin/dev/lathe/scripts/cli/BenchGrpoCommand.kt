package dev.lathe.scripts.cli

import com.fasterxml.jackson.databind.ObjectMapper
import com.fasterxml.jackson.databind.node.ObjectNode
import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.Context
import com.github.ajalt.clikt.parameters.groups.provideDelegate
import com.github.ajalt.clikt.parameters.options.default
import com.github.ajalt.clikt.parameters.options.flag
import com.github.ajalt.clikt.parameters.options.option
import com.github.ajalt.clikt.parameters.types.int
import com.github.ajalt.clikt.parameters.types.restrictTo
import dev.lathe.engine.tensor.Runtime
import dev.lathe.scripts.bench.DpoBench
import dev.lathe.scripts.bench.GrpoBench
import dev.lathe.scripts.bench.PythonPeer
import dev.lathe.scripts.bench.Rounds
import java.io.File

/**
 * `lathe bench grpo`: one GRPO step split by phase (generation, reward, reference, policy, optimizer),
 * Lathe vs a PyTorch eager GRPO step (bench/grpo_peer.py); each side a fresh process per round, sides
 * alternating over `--rounds`, reported as the median of the per-round ratios with the load average.
 */
class BenchGrpoCommand : CliktCommand(name = "grpo") {
    override fun help(context: Context) =
        "One GRPO step (sampling G completions per prompt, rewards, reference, policy fwd/bwd, AdamW) on a ~50M Llama, " +
            "Lathe vs PyTorch eager, by phase, median ratio over alternating rounds"

    private val shape by BenchShapeOptions()
    private val prompts by option("--prompts").int().default(4)
    private val generations by option("--generations", help = "G completions per prompt").int().default(8)
    private val prompt by option("--prompt", help = "prompt tokens").int().default(64)
    private val completion by option("--completion", help = "completion tokens (no EOS: every completion runs to this length)").int().default(128)
    private val steps by option("--steps", help = "measured steps per side per round after one warm-up step").int().restrictTo(1).default(2)
    private val rounds by option("--rounds").int().restrictTo(1).default(3)
    private val python by option("--python", help = "the peer's interpreter").default("/usr/bin/python3")
    private val worker by option("--worker", hidden = true).flag()

    private fun sideArgs() = shape.peerArgs() + listOf("--prompts", "$prompts", "--generations", "$generations", "--prompt", "$prompt",
        "--completion", "$completion", "--steps", "$steps")

    override fun run() {
        if (worker) {
            val r = GrpoBench(shape.layers, shape.hidden, shape.heads, shape.kvHeads, shape.ffn, shape.vocab, prompts, generations, prompt, completion).run(steps)
            println(ObjectMapper().writeValueAsString(mapOf("side" to "lathe", "step_s" to r.stepSeconds,
                "completion_tokens_per_s" to prompts * generations * completion / r.stepSeconds, "phases_s" to r.phases,
                "peak_rss_mb" to DpoBench.peakRssMb(), "threads" to Runtime.threads())))
            return
        }
        val threads = Runtime.threads()
        val peer = PythonPeer.command(python, File(PythonPeer.repoRoot(), "bench/grpo_peer.py"), sideArgs() + listOf("--threads", "$threads"))
        val lathe = Rounds.sameJvm(listOf("bench", "grpo", "--worker") + sideArgs())
        echo("GRPO step: ${shape.describe()}; $prompts prompts x G=$generations, prompt $prompt + completion $completion tokens; " +
            "beta 0.04 (frozen-copy reference), dapo; $threads threads; $rounds rounds x $steps steps per side")
        val json = ObjectMapper()
        val runs = Rounds.alternate(rounds, lathe, peer) { run ->
            (run.json as ObjectNode).put("round", run.round).put("load", run.load)
            echo(json.writeValueAsString(run.json))
        }
        fun step(r: Rounds.Run) = r.json["step_s"].asDouble()
        fun phase(r: Rounds.Run, p: String) = r.json["phases_s"][p]?.asDouble() ?: 0.0
        echo("%-8s %10s %12s %12s %12s %12s %12s".format("side", "step s", "generation", "reward", "reference", "policy", "optimizer"))
        for ((name, pick) in listOf<Pair<String, (Pair<Rounds.Run, Rounds.Run>) -> Rounds.Run>>("lathe" to { it.first }, "pytorch" to { it.second })) {
            echo("%-8s %10.3f %12.3f %12.3f %12.3f %12.3f %12.3f".format(name, Rounds.median(runs.map { step(pick(it)) }),
                *listOf("generation", "reward", "reference", "policy", "optimizer").map { p -> Rounds.median(runs.map { phase(pick(it), p) }) }.toTypedArray()))
        }
        val speed = Rounds.median(runs.map { step(it.second) / step(it.first) })
        val gen = Rounds.median(runs.map { phase(it.second, "generation") / phase(it.first, "generation") })
        val loads = runs.flatMap { listOf(it.first.load, it.second.load) }
        echo("per-round speed-up (pytorch / lathe): ${runs.joinToString { "%.2f".format(step(it.second) / step(it.first)) }}")
        echo("median speed-up %.2fx (generation alone %.2fx); load average %.1f-%.1f".format(speed, gen, loads.min(), loads.max()))
        echo(json.writeValueAsString(mapOf("side" to "summary", "speedup_median" to speed, "generation_speedup_median" to gen,
            "rounds" to runs.size, "load_min" to loads.min(), "load_max" to loads.max())))
    }
}
