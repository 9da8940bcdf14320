package dev.lathe.tests.serve

import com.github.ajalt.clikt.core.parse
import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.ObjectMapper
import dev.lathe.engine.generate.Completion
import dev.lathe.engine.generate.Generator
import dev.lathe.engine.generate.Sampling
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.ModelInit
import dev.lathe.engine.model.Models
import dev.lathe.engine.model.PeftAdapters
import dev.lathe.engine.nn.LoraSpec
import dev.lathe.engine.serve.LatheServer
import dev.lathe.engine.serve.ServedModel
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Grad
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.text.HfTokenizer
import dev.lathe.scripts.cli.InitModelCommand
import dev.lathe.tests.model.Fixtures
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration

/**
 * A tiny Llama folder written by Lathe (init-model, then weights drawn with std 0.3 so greedy choices are
 * well separated), two PEFT adapters of the same shape, direct in-process generation to compare the
 * server against, and a small JSON-over-HTTP client.
 */
object ServeFixtures {
    val root: Path = Fixtures.repo.resolve("tests/target/serve")
    val model: Path = root.resolve("model")
    val adapterA: Path = root.resolve("adapter-a")
    val adapterB: Path = root.resolve("adapter-b")
    val json = ObjectMapper()

    @Synchronized
    fun ensure() {
        if (Files.isRegularFile(adapterB.resolve("adapter_model.safetensors"))) return
        InitModelCommand().parse(listOf(model.toString(), "--seed", "7", "--max-positions", "256"))
        Scope.open().use {
            Models.loadCausalLM(model, DType.F32).use { m ->
                ModelInit.randomize(m, 5, 0.3)
                Models.save(m, model)
            }
            for ((dir, seed) in listOf(adapterA to 1L, adapterB to 2L)) {
                Models.loadCausalLM(model, DType.F32).use { m ->
                    m.addLora(LoraSpec(4, 8.0, 0.0, listOf("q_proj", "v_proj", "o_proj"), false, false))
                    dev.lathe.engine.tensor.Runtime.seed(seed)
                    Grad.disabled().use { m.loraLayers().values.forEach { it.loraB().weight().normal_(0.0, 0.8) } }
                    PeftAdapters.save(m, dir, model.toString())
                }
            }
        }
    }

    fun start(queued: Int = 256, batch: Int = 32): LatheServer {
        ensure()
        val served = ServedModel.load(model, DType.F32, "tiny", null, 0)
        return LatheServer.start(served, LatheServer.Options.defaults().withAddress("127.0.0.1", 0).withLimits(queued, batch))
    }

    /** Greedy generation in this process, the reference the server must match token for token. */
    fun direct(prompts: List<IntArray>, maxTokens: Int, adapter: Path? = null, weights: ((CausalLM) -> Unit)? = null): List<Completion> {
        ensure()
        return Scope.open().use {
            Models.loadCausalLM(model, DType.F32).use { m ->
                adapter?.let { PeftAdapters.load(m, it) }
                weights?.invoke(m)
                HfTokenizer.load(model).use { tok -> Generator(m, tok, 0).generate(prompts, Sampling.greedy(maxTokens, eos(tok))) }
            }
        }
    }

    fun eos(tok: HfTokenizer): Set<Int> = setOf(tok.tokenToId(tok.eosToken()))

    fun <T> tokenizer(body: (HfTokenizer) -> T): T = HfTokenizer.load(model).use(body)

    val http: HttpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()

    data class Reply(val status: Int, val body: String, val headers: Map<String, List<String>>) {
        val json: JsonNode by lazy { ServeFixtures.json.readTree(body) }
    }

    fun post(base: String, path: String, body: Any): Reply {
        val text = if (body is String) body else json.writeValueAsString(body)
        val req = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(120))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(text)).build()
        val r = http.send(req, HttpResponse.BodyHandlers.ofString())
        return Reply(r.statusCode(), r.body(), r.headers().map())
    }

    fun get(base: String, path: String): Reply {
        val r = http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(), HttpResponse.BodyHandlers.ofString())
        return Reply(r.statusCode(), r.body(), r.headers().map())
    }

    /** The JSON events of a server-sent-event body, and whether it ended with [DONE]. */
    fun events(body: String): Pair<List<JsonNode>, Boolean> {
        val data = body.split("\n\n").map { it.trim() }.filter { it.startsWith("data: ") }.map { it.removePrefix("data: ") }
        return data.filter { it != "[DONE]" }.map { json.readTree(it) } to (data.lastOrNull() == "[DONE]")
    }

    fun ints(n: JsonNode): List<Int> = n.map { it.asInt() }
}
