package dev.lathe.scripts.cli

import com.fasterxml.jackson.databind.ObjectMapper
import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.Context
import com.github.ajalt.clikt.core.parse
import com.github.ajalt.clikt.parameters.arguments.argument
import com.github.ajalt.clikt.parameters.arguments.optional
import com.github.ajalt.clikt.parameters.options.default
import com.github.ajalt.clikt.parameters.options.option
import com.github.ajalt.clikt.parameters.types.double
import com.github.ajalt.clikt.parameters.types.int
import com.github.ajalt.clikt.parameters.types.path
import dev.lathe.engine.serve.LatheServer
import dev.lathe.engine.serve.ServedModel
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Runtime
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.time.Duration
import java.util.concurrent.Executors
import kotlin.random.Random

/**
 * `lathe bench serve`: a loopback load generator against `lathe serve` in this process. At each level, C
 * clients each send their share of /v1/completions requests one after another (token-id prompts, sampled);
 * reported: completion tokens/s over the level's wall time (median of rounds) and request latency p50/p99
 * (all rounds pooled). No peer: the figures are the server's own, HTTP and continuous batching included.
 */
class BenchServeCommand : CliktCommand(name = "serve") {
    override fun help(context: Context) =
        "Server throughput (completion tokens/s) and latency p50/p99 at 1, 8 and 32 concurrent loopback clients"

    private val modelDir by argument("MODEL_DIR", help = "an HF folder to serve (default: a fresh init-model of --layers/--hidden)").path(mustExist = true).optional()
    private val layers by option("--layers").int().default(4)
    private val hidden by option("--hidden").int().default(256)
    private val clients by option("--clients", help = "concurrency levels").default("1,8,32")
    private val requests by option("--requests", help = "requests per level (at least 2 per client)").int().default(32)
    private val promptLen by option("--prompt-len").int().default(32)
    private val newTokens by option("--new-tokens").int().default(64)
    private val temperature by option("--temperature").double().default(0.8)
    private val rounds by option("--rounds").int().default(3)

    override fun run() {
        val levels = clients.split(",").map { it.trim().toInt() }
        val dir = modelDir ?: Files.createTempDirectory("lathe-bench-serve").resolve("model").also {
            InitModelCommand().parse(listOf(it.toString(), "--layers", "$layers", "--hidden", "$hidden", "--heads", "4", "--kv-heads", "2",
                "--ffn", "${hidden * 11 / 4}", "--max-positions", "${promptLen + newTokens + 8}"))
        }
        val served = ServedModel.load(dir, DType.F32, "bench", null, 0)
        val vocab = served.vocabSize()
        val rows = levels.max()
        LatheServer.start(served, LatheServer.Options.defaults().withAddress("127.0.0.1", 0).withLimits(maxOf(256, rows * 2), rows)).use { s ->
            val http = HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor()).build()
            val rnd = Random(7)
            fun prompt() = List(promptLen) { 10 + rnd.nextInt(vocab - 10) }
            send(http, s.baseUrl(), prompt()) // warm-up: first allocations, JIT
            echo("serve bench: $dir (vocab $vocab); prompts of $promptLen tokens, max_tokens $newTokens, temperature $temperature; " +
                "batch limit $rows rows; ${Runtime.threads()} threads; load average ${loadAverage()}")
            echo("%-8s %10s %12s %10s %10s %8s".format("clients", "requests", "tokens/s", "p50 ms", "p99 ms", "tokens"))
            val json = ObjectMapper()
            val lines = mutableListOf<Map<String, Any>>()
            for (c in levels) {
                val perClient = maxOf(2, (requests + c - 1) / c)
                val tps = mutableListOf<Double>()
                val lat = mutableListOf<Double>()
                var tokens = 0L
                repeat(rounds) {
                    val prompts = List(c) { List(perClient) { prompt() } }
                    val t0 = System.nanoTime()
                    val results = Executors.newVirtualThreadPerTaskExecutor().use { ex ->
                        prompts.map { mine -> ex.submit<List<Pair<Double, Int>>> { mine.map { p -> send(http, s.baseUrl(), p) } } }.map { it.get() }
                    }.flatten()
                    val wall = (System.nanoTime() - t0) / 1e9
                    val n = results.sumOf { it.second }
                    tokens += n
                    tps += n / wall
                    lat += results.map { it.first }
                }
                val sorted = lat.sorted()
                fun pct(p: Double) = sorted[minOf(sorted.size - 1, (p * sorted.size).toInt())]
                val median = tps.sorted()[tps.size / 2]
                echo("%-8d %10d %12.1f %10.1f %10.1f %8d".format(c, c * perClient, median, pct(0.5), pct(0.99), tokens / rounds))
                lines += mapOf("bench" to "serve", "clients" to c, "requests" to c * perClient, "completion_tokens_per_s" to median,
                    "rounds_tokens_per_s" to tps, "latency_p50_ms" to pct(0.5), "latency_p99_ms" to pct(0.99),
                    "completion_tokens_per_round" to tokens / rounds, "new_tokens" to newTokens, "prompt_len" to promptLen,
                    "threads" to Runtime.threads(), "load_average" to loadAverage())
            }
            lines.forEach { echo(json.writeValueAsString(it)) }
        }
    }

    // one request; returns (latency ms, completion tokens)
    private fun send(http: HttpClient, base: String, prompt: List<Int>): Pair<Double, Int> {
        val body = ObjectMapper().writeValueAsString(mapOf("prompt" to prompt, "max_tokens" to newTokens, "temperature" to temperature))
        val req = HttpRequest.newBuilder(URI.create("$base/v1/completions")).timeout(Duration.ofMinutes(10))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build()
        val t0 = System.nanoTime()
        val r = http.send(req, HttpResponse.BodyHandlers.ofString())
        val ms = (System.nanoTime() - t0) / 1e6
        check(r.statusCode() == 200) { "the server answered HTTP ${r.statusCode()}: ${r.body().take(300)}" }
        return ms to ObjectMapper().readTree(r.body())["usage"]["completion_tokens"].asInt()
    }

    private fun loadAverage(): String = runCatching { File("/proc/loadavg").readText().split(" ").take(3).joinToString(" ") }.getOrDefault("?")
}
