package dev.lathe.scripts.cli

import com.fasterxml.jackson.databind.ObjectMapper
import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.Context
import com.github.ajalt.clikt.parameters.groups.provideDelegate
import com.github.ajalt.clikt.parameters.options.default
import com.github.ajalt.clikt.parameters.options.flag
import com.github.ajalt.clikt.parameters.options.option
import com.github.ajalt.clikt.parameters.types.int
import dev.lathe.engine.tensor.Runtime
import dev.lathe.scripts.bench.ModelBench
import dev.lathe.scripts.bench.PythonPeer
import java.io.File

/** `lathe bench model`: the trainer benchmark's Llama (~50M params) vs the same model in PyTorch eager. */
class BenchModelCommand : CliktCommand(name = "model") {
    override fun help(context: Context) =
        "Forward and train-step tokens/s vs PyTorch eager (bench/model_peer.py), generation tokens/s with and " +
            "without KV cache, peak RSS of chunked vs full label log-probs"

    private val shape by BenchShapeOptions()
    private val batch by option("--batch").int().default(4)
    private val seq by option("--seq").int().default(256)
    private val iters by option("--iters").int().default(3)
    private val chunk by option("--chunk", help = "tokens per log-prob chunk").int().default(256)
    private val newTokens by option("--new-tokens").int().default(32)
    private val python by option("--python").default("/usr/bin/python3")
    private val noPeer by option("--no-peer").flag()

    override fun run() {
        val b = ModelBench(shape.layers, shape.hidden, shape.heads, shape.kvHeads, shape.ffn, shape.vocab)
        val out = linkedMapOf<String, Any>("bench" to "model", "side" to "lathe", "threads" to Runtime.threads())
        // memory first, while the process is small, so the high-water marks are the computations'
        out["logprob_peak_mb_chunked"] = b.logProbPeakMb(batch, 2 * seq, chunk)
        out["logprob_peak_mb_full"] = b.logProbPeakMb(batch, 2 * seq, null)
        b.model().use { m ->
            out["params"] = m.parameterCount()
            out["forward_tokens_per_s"] = b.forward(m, batch, seq, iters)
            out["train_tokens_per_s"] = b.trainStep(m, batch, seq, iters, chunk)
            out["generate_cache_tokens_per_s"] = b.generate(m, batch, 32, newTokens, true)
            out["generate_nocache_tokens_per_s"] = b.generate(m, batch, 32, newTokens, false)
        }
        echo("lathe: %s".format(out))
        if (!noPeer) {
            val peer = PythonPeer.run(python, File(PythonPeer.repoRoot(), "bench/model_peer.py"), shape.peerArgs() + listOf(
                "--batch", "$batch", "--seq", "$seq", "--iters", "$iters", "--threads", "${Runtime.threads()}"))
            for (k in listOf("forward_tokens_per_s", "train_tokens_per_s")) {
                val ratio = (out[k] as Double) / peer[k].asDouble()
                echo("%-22s lathe %9.0f  pytorch %9.0f  ratio %.2f".format(k, out[k], peer[k].asDouble(), ratio))
            }
            echo(ObjectMapper().writeValueAsString(peer))
        }
        echo(ObjectMapper().writeValueAsString(out))
    }
}
