package dev.lathe.tests.serve

import dev.lathe.engine.align.Losses
import dev.lathe.engine.generate.Completion
import dev.lathe.engine.generate.Generator
import dev.lathe.engine.generate.RolloutEngine
import dev.lathe.engine.generate.Sampling
import dev.lathe.engine.model.Models
import dev.lathe.engine.nn.LoraSpec
import dev.lathe.engine.remote.GenerationClient
import dev.lathe.engine.remote.RemoteException
import dev.lathe.engine.remote.RemoteRollouts
import dev.lathe.engine.reward.Reward
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.text.HfTokenizer
import dev.lathe.engine.data.GrpoPrompt
import dev.lathe.engine.train.grpo.GrpoSettings
import dev.lathe.engine.train.grpo.GrpoTraining
import dev.lathe.tests.grpo.GrpoFixtures
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.net.ServerSocket
import java.nio.file.Files
import java.time.Duration

/** The generation-server client against `lathe serve`, and GRPO generating through it. */
class GenerationClientSpec : StringSpec({
    "an absent or unhealthy server is a clear error naming the URL" {
        val port = ServerSocket(0).use { it.localPort } // free, nobody listening
        val c = GenerationClient("127.0.0.1", port, Duration.ofSeconds(1))
        shouldThrow<RemoteException> { c.health() }.message shouldContain "no server at http://127.0.0.1:$port/health/ (connection refused)"
        shouldThrow<RemoteException> { c.waitUntilHealthy(200) }.message shouldContain "was not healthy within 1 s"
    }

    "/generate/ through the client returns the tokens and sampler log-probs of direct generation" {
        val prompts = listOf(intArrayOf(9, 8, 7), intArrayOf(100, 3))
        val want = ServeFixtures.direct(prompts, 7)
        ServeFixtures.start().use { s ->
            val c = GenerationClient(s.baseUrl(), Duration.ofSeconds(30))
            c.waitUntilHealthy(100)["status"].asText() shouldBe "ok"
            c.worldSize() shouldBe 1
            val got = ServeFixtures.tokenizer { tok -> c.generate(prompts, Sampling.greedy(7, ServeFixtures.eos(tok)).withSamples(2), tok, 3) }
            got.map { it.tokens().toList() } shouldBe listOf(want[0], want[0], want[1], want[1]).map { it.tokens().toList() }
            got[2].text() shouldBe want[1].text()
            got[2].finishReason() shouldBe want[1].finishReason()
            got[2].promptIds().toList() shouldBe prompts[1].toList()
            got[2].policyVersion() shouldBe 3
            for (k in want[1].logprobs().indices) got[2].logprobs()[k].toDouble() shouldBe (want[1].logprobs()[k].toDouble() plusOrMinus 1e-4)
            c.resetPrefixCache()
            val bad = shouldThrow<RemoteException> { c.syncLora("x", ServeFixtures.root.resolve("no-adapter"), 1) }
            bad.status() shouldBe 400
            bad.message shouldContain "refused LoRA update v1"
        }
    }

    "GRPO with rollouts from `lathe serve` (LoRA synced by adapter files) sees the in-process run's rollouts" {
        ServeFixtures.ensure()
        val prompts = listOf(intArrayOf(12, 40, 7), intArrayOf(200, 31), intArrayOf(5, 6, 7, 8), intArrayOf(77, 150, 9))
            .mapIndexed { i, p -> GrpoPrompt("p$i", p, mapOf("id" to i), "row $i") }
        val evenShare = Reward.of("even", 1.0) { s -> s.completionIds().count { it % 2 == 0 }.toDouble() / s.completionIds().size }
        class Recorder(val inner: RolloutEngine) : RolloutEngine {
            val rounds = mutableListOf<List<List<Int>>>()
            override fun generate(prompts: List<IntArray>, s: Sampling, v: Long): List<Completion> =
                inner.generate(prompts, s, v).also { out -> rounds += out.map { it.tokens().toList() } }
        }
        fun run(remote: String?): List<List<List<Int>>> = Scope.open().use {
            Models.loadCausalLM(ServeFixtures.model, DType.F32).use { m ->
                HfTokenizer.load(ServeFixtures.model).use { tok ->
                    m.addLora(LoraSpec(4, 8.0, 0.0, listOf("q_proj", "v_proj"), false, false))
                    val out = Files.createTempDirectory("grpo-serve")
                    val log = PrintStream(ByteArrayOutputStream())
                    val gen = Generator(m, tok, 0)
                    val engine: RolloutEngine = if (remote == null) RolloutEngine { p, s, v -> gen.generate(p, s, v) }
                    else RemoteRollouts(GenerationClient(remote, Duration.ofSeconds(60)), m, tok, RemoteRollouts.Sync.LORA_FILES, 1,
                        "tiny", out.resolve("lora_sync"), log).connect()
                    val rec = Recorder(engine)
                    // top_k 1: sampling from a single token is greedy, so both runs must agree token for token
                    val s = GrpoSettings().apply { numGenerations = 2; maxCompletionLength = 5; topK = 1 }
                    GrpoTraining().apply {
                        model = m; grpo = s; tokenizer = tok; eosIds = ServeFixtures.eos(tok); padId = 0
                        loss = Losses.grpo().lossType("dapo").beta(0.0).maxCompletionLength(5).build()
                        this.prompts = prompts
                        rewards = GrpoFixtures.PlainRunner(listOf(evenShare))
                        loop = GrpoFixtures.loop(out) { microBatchSize = 4; maxSteps = 3; learningRate = 0.2 }
                        rollouts = rec
                        this.log = log
                    }.run()
                    rec.rounds
                }
            }
        }
        val local = run(null)
        ServeFixtures.start().use { s ->
            val remote = run(s.baseUrl())
            remote shouldBe local
            local.size shouldBe 3
            ServeFixtures.get(s.baseUrl(), "/health/").json["lora_int_id"].asInt() shouldBe 2 // synced before rounds 1 and 2
        }
    }
})
