package dev.lathe.scripts.cli

import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.ObjectMapper
import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.Context
import com.github.ajalt.clikt.parameters.groups.provideDelegate
import com.github.ajalt.clikt.parameters.options.default
import com.github.ajalt.clikt.parameters.options.flag
import com.github.ajalt.clikt.parameters.options.option
import com.github.ajalt.clikt.parameters.types.double
import com.github.ajalt.clikt.parameters.types.int
import dev.lathe.engine.tensor.Runtime
import dev.lathe.scripts.bench.PythonPeer
import dev.lathe.scripts.bench.RolloutBench
import dev.lathe.scripts.sys.Blas
import java.io.File
import java.nio.file.Files

/**
 * `lathe bench rollout`: sampling throughput (completion tokens/s) of the rollout engine vs a PyTorch
 * eager KV-cache sampler (bench/rollout_peer.py) on the same weights, rounds alternating sides, and
 * both against the machine's limits (weights streamed once per decode step; GEMM peak).
 */
class BenchRolloutCommand : CliktCommand(name = "rollout") {
    override fun help(context: Context) =
        "Rollout sampling throughput (4 prompts x G=8 x 128 new tokens on a ~50M Llama), Lathe vs PyTorch eager, median ratio over alternating rounds"

    private val shape by BenchShapeOptions()
    private val prompts by option("--prompts").int().default(4)
    private val samples by option("--samples", help = "G: completions per prompt").int().default(8)
    private val promptLen by option("--prompt-len").int().default(64)
    private val newTokens by option("--new-tokens").int().default(128)
    private val temperature by option("--temperature").double().default(0.8)
    private val topK by option("--top-k").int().default(50)
    private val topP by option("--top-p").double().default(0.95)
    private val rounds by option("--rounds", help = "rounds; each runs both sides, alternating which goes first").int().default(3)
    private val python by option("--python", help = "the peer's interpreter").default("/usr/bin/python3")
    private val noPeer by option("--no-peer", help = "measure Lathe only").flag()

    override fun run() {
        val threads = Runtime.threads()
        val dir = Files.createTempDirectory("lathe-bench-rollout")
        try {
            RolloutBench(shape.layers, shape.hidden, shape.heads, shape.kvHeads, shape.ffn, shape.vocab, prompts, samples,
                promptLen, newTokens, temperature, topK, topP).use { b -> measure(b, b.saveWeights(dir), threads) }
        } finally {
            dir.toFile().deleteRecursively()
        }
    }

    private fun measure(b: RolloutBench, weights: java.nio.file.Path, threads: Int) {
        val peerArgs = shape.peerArgs() + listOf("--weights", "$weights", "--prompts", "$prompts", "--samples", "$samples",
            "--prompt-len", "$promptLen", "--new-tokens", "$newTokens", "--threads", "$threads", "--temperature", "$temperature",
            "--top-k", "$topK", "--top-p", "$topP")
        val script = File(PythonPeer.repoRoot(), "bench/rollout_peer.py")
        b.warmUp()
        val lathe = mutableListOf<Double>()
        val peer = mutableListOf<JsonNode>()
        for (r in 0 until rounds) {
            val peerFirst = r % 2 == 1
            if (peerFirst && !noPeer) peer.add(PythonPeer.run(python, script, peerArgs, timeoutSeconds = 3600))
            lathe.add(b.run())
            if (!peerFirst && !noPeer) peer.add(PythonPeer.run(python, script, peerArgs, timeoutSeconds = 3600))
            echo("round ${r + 1}: lathe %.2f s%s".format(lathe.last(), if (noPeer) "" else ", pytorch %.2f s".format(peer.last()["seconds"].asDouble())))
        }
        report(b, lathe, peer, threads)
    }

    private fun report(b: RolloutBench, lathe: List<Double>, peer: List<JsonNode>, threads: Int) {
        val tokens = b.tokens()
        val ls = lathe.sorted()[lathe.size / 2]
        val rows = prompts * samples
        val bw = RolloutBench.copyBandwidth()
        val gemm = runCatching { Blas.gemmGflops() }.getOrNull()
        val bytes = b.streamedBytes()
        val bwLimit = rows / (bytes / (bw * 1e9))                       // tokens/s if a step only streamed the weights once
        val gemmLimit = gemm?.let { it * 1e9 / (2.0 * bytes / 4) }       // tokens/s if every matmul ran at the GEMM peak
        val calls = b.nativeCallsPerForward()
        val (move, full, fewer) = b.compaction()
        echo("rollout: ${shape.describe()}; $prompts prompts x G=$samples x $newTokens new tokens (prompt $promptLen); " +
            "T=$temperature top-k $topK top-p $topP; $threads threads; load average ${loadAverage()}")
        echo("%-8s %10s %12s".format("side", "median s", "tokens/s"))
        echo("%-8s %10.2f %12.1f".format("lathe", ls, tokens / ls))
        val out = mutableListOf(mapOf("side" to "lathe", "seconds" to ls, "tokens" to tokens, "tokens_per_s" to tokens / ls,
            "rounds_s" to lathe, "threads" to threads, "native_calls_per_decode_forward" to calls,
            "bandwidth_gb_s" to bw, "bandwidth_limit_tokens_per_s" to bwLimit, "gemm_gflops" to gemm, "gemm_limit_tokens_per_s" to gemmLimit))
        if (peer.isNotEmpty()) {
            val ps = peer.map { it["seconds"].asDouble() }
            val ratios = lathe.indices.map { ps[it] / lathe[it] }.sorted()
            val pm = ps.sorted()[ps.size / 2]
            echo("%-8s %10.2f %12.1f".format("pytorch", pm, tokens / pm))
            echo("ratio (pytorch s / lathe s), median of rounds: %.2fx (rounds: %s)".format(ratios[ratios.size / 2],
                ratios.joinToString { "%.2f".format(it) }))
            out.add(mapOf("side" to "pytorch", "seconds" to pm, "tokens" to tokens, "tokens_per_s" to tokens / pm, "rounds_s" to ps,
                "median_ratio" to ratios[ratios.size / 2], "torch" to peer[0]["torch"]?.asText()))
        }
        echo("limits: %.0f MB of weights per decode step; copy bandwidth %.1f GB/s -> %.0f tokens/s if a step only streamed them; "
            .format(bytes / 1e6, bw, bwLimit) + (gemmLimit?.let { "GEMM peak %.1f GFLOP/s -> %.0f tokens/s at %d rows; ".format(gemm, it, rows) } ?: "") +
            "Lathe reaches %.0f%% of the tighter one".format(100 * tokens / ls / minOf(bwLimit, gemmLimit ?: bwLimit)))
        echo("native calls (tensor results) per decode forward: $calls (%.1f per layer)".format(calls.toDouble() / shape.layers))
        echo(("row compaction at %d positions: moving %d rows %.1f ms; a decode forward over %d rows %.1f ms, over %d rows %.1f ms " +
            "(pays back after %.1f steps)").format(promptLen + newTokens, rows / 4, move, rows, full, rows - rows / 4, fewer,
            if (full > fewer) move / (full - fewer) else Double.POSITIVE_INFINITY))
        out[0] = out[0] + mapOf("compaction_move_ms" to move, "decode_forward_ms_all_rows" to full, "decode_forward_ms_three_quarters" to fewer)
        val json = ObjectMapper()
        out.forEach { echo(json.writeValueAsString(it)) }
    }

    private fun loadAverage(): String = runCatching { File("/proc/loadavg").readText().split(" ").take(3).joinToString(" ") }.getOrDefault("?")
}
