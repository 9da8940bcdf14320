package dev.lathe.scripts.cli

import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.ObjectMapper
import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.Context
import com.github.ajalt.clikt.parameters.groups.provideDelegate
import com.github.ajalt.clikt.parameters.options.default
import com.github.ajalt.clikt.parameters.options.flag
import com.github.ajalt.clikt.parameters.options.option
import com.github.ajalt.clikt.parameters.types.int
import dev.lathe.engine.tensor.Runtime
import dev.lathe.scripts.bench.DpoBench
import dev.lathe.scripts.bench.PythonPeer
import dev.lathe.scripts.sys.Blas
import java.io.File

/** `lathe bench dpo`: one DPO step, Lathe vs the same step in PyTorch eager (bench/dpo_peer.py), same run. */
class BenchDpoCommand : CliktCommand(name = "dpo") {
    override fun help(context: Context) =
        "One DPO step (policy fwd/bwd, reference fwd, AdamW) on a ~50M Llama, Lathe vs PyTorch eager: step time, tokens/s, GFLOP/s, peak RSS"

    private val shape by BenchShapeOptions()
    private val pairs by option("--pairs").int().default(4)
    private val seq by option("--seq").int().default(256)
    private val prompt by option("--prompt").int().default(64)
    private val steps by option("--steps", help = "measured steps (the median is reported) after one warm-up").int().default(3)
    private val bf16 by option("--bf16", help = "bf16 autocast on both sides").flag()
    private val python by option("--python", help = "the peer's interpreter").default("/usr/bin/python3")
    private val noPeer by option("--no-peer", help = "measure Lathe only").flag()

    override fun run() {
        val threads = Runtime.threads()
        val peerArgs = shape.peerArgs() + listOf("--pairs", "$pairs", "--seq", "$seq", "--prompt", "$prompt", "--steps", "$steps", "--threads", "$threads")
        // the peer runs first, in its own process, so neither side's memory or caches help the other
        val peer: JsonNode? = if (noPeer) null else PythonPeer.run(python, File(PythonPeer.repoRoot(), "bench/dpo_peer.py"),
            peerArgs + if (bf16) listOf("--bf16") else emptyList(), timeoutSeconds = 3600)
        val bench = DpoBench(shape.layers, shape.hidden, shape.heads, shape.kvHeads, shape.ffn, shape.vocab, pairs, seq, prompt)
        val r = bench.run(steps, bf16)
        val flops = bench.flops()
        val lathe = mapOf("side" to "lathe", "step_s" to r.stepSeconds, "tokens_per_s" to r.tokens / r.stepSeconds,
            "gflops" to flops / r.stepSeconds / 1e9, "peak_rss_mb" to DpoBench.peakRssMb(), "phases_s" to r.phases,
            "threads" to threads, "bf16" to bf16)
        val gemm = runCatching { Blas.gemmGflops() }.getOrNull()
        report(lathe, peer, flops, gemm)
        val json = ObjectMapper()
        echo(json.writeValueAsString(lathe))
        if (peer != null) {
            val p = peer as com.fasterxml.jackson.databind.node.ObjectNode
            p.put("gflops", flops / p["step_s"].asDouble() / 1e9)
            echo(json.writeValueAsString(p))
        }
    }

    private fun report(lathe: Map<String, Any>, peer: JsonNode?, flops: Double, gemm: Double?) {
        val params = shape.describe()
        echo("DPO step: $params; $pairs pairs x $seq tokens (prompt $prompt); ${if (bf16) "bf16 autocast" else "fp32"}; " +
            "${Runtime.threads()} threads; %.1f GFLOP per step".format(flops / 1e9))
        echo("%-8s %10s %12s %10s %12s".format("side", "step s", "tokens/s", "GFLOP/s", "peak RSS MB"))
        fun row(side: String, s: Double, tps: Double, rss: Double) =
            echo("%-8s %10.3f %12.0f %10.1f %12.0f".format(side, s, tps, flops / s / 1e9, rss))
        val ls = lathe["step_s"] as Double
        row("lathe", ls, lathe["tokens_per_s"] as Double, lathe["peak_rss_mb"] as Double)
        if (peer != null) {
            val ps = peer["step_s"].asDouble()
            row("pytorch", ps, peer["tokens_per_s"].asDouble(), peer["peak_rss_mb"].asDouble())
            echo("ratio (pytorch step / lathe step): %.2fx %s; peak RSS lathe/pytorch: %.2f".format(ps / ls,
                if (ps > ls) "(Lathe faster)" else "(PyTorch faster)", (lathe["peak_rss_mb"] as Double) / peer["peak_rss_mb"].asDouble()))
            echo("pytorch phases: ${peer["phases_s"]}")
        }
        echo("lathe phases: ${(lathe["phases_s"] as Map<*, *>).entries.joinToString { "%s %.3fs".format(it.key, it.value) }}")
        gemm?.let { echo("machine fp32 GEMM peak (1024^3): %.1f GFLOP/s; Lathe reaches %.0f%% of it".format(it, 100 * flops / ls / 1e9 / it)) }
    }
}
