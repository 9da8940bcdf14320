package dev.lathe.tests.serve

import dev.lathe.engine.model.PeftAdapters
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Grad
import dev.lathe.engine.tensor.Runtime
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensors
import dev.lathe.tests.serve.ServeFixtures.direct
import dev.lathe.tests.serve.ServeFixtures.get
import dev.lathe.tests.serve.ServeFixtures.ints
import dev.lathe.tests.serve.ServeFixtures.post
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import java.util.Base64
import java.util.concurrent.Executors
import java.util.concurrent.Future

/** Policy updates (LoRA swap, full weights), concurrency, overload and graceful shutdown of `lathe serve`. */
class ServePolicySpec : StringSpec({
    val prompt = intArrayOf(12, 7, 99, 140, 3)
    fun gen(base: String, model: String? = null): List<Int> {
        val body = mutableMapOf<String, Any>("prompt" to prompt.toList(), "max_tokens" to 10, "temperature" to 0)
        model?.let { body["model"] = it }
        val r = post(base, "/v1/completions", body)
        r.status shouldBe 200
        return ints(r.json["choices"][0]["token_ids"])
    }
    fun trl(base: String): List<Int> =
        ints(post(base, "/generate/", mapOf("prompts" to listOf(prompt.toList()), "temperature" to 0, "max_tokens" to 10)).json["completion_ids"][0])

    "LoRA swap: /set_lora_adapter/, /v1/load_lora_adapter and /clear_lora_adapter/ change outputs as the adapter says" {
        val baseTokens = direct(listOf(prompt), 10)[0].tokens().toList()
        val aTokens = direct(listOf(prompt), 10, ServeFixtures.adapterA)[0].tokens().toList()
        val bTokens = direct(listOf(prompt), 10, ServeFixtures.adapterB)[0].tokens().toList()
        aTokens shouldNotBe baseTokens
        bTokens shouldNotBe aTokens
        ServeFixtures.start().use { s ->
            val base = s.baseUrl()
            trl(base) shouldBe baseTokens
            val set = post(base, "/set_lora_adapter/", mapOf("lora_name" to "active_lora", "lora_int_id" to 7, "lora_path" to ServeFixtures.adapterA.toString()))
            set.status shouldBe 200
            get(base, "/health/").json["lora_int_id"].asInt() shouldBe 7
            trl(base) shouldBe aTokens
            gen(base, "active_lora") shouldBe aTokens // the adapter's name selects it
            gen(base, "tiny") shouldBe baseTokens // the base name is the base model
            get(base, "/v1/models").json["data"].map { it["id"].asText() } shouldBe listOf("tiny", "active_lora")

            val load = post(base, "/v1/load_lora_adapter", mapOf("lora_name" to "active_lora", "lora_path" to ServeFixtures.adapterB.toString(), "load_inplace" to true))
            load.status shouldBe 200
            get(base, "/health/").json["lora_int_id"].asInt() shouldBe 8
            trl(base) shouldBe bTokens
            val again = post(base, "/v1/load_lora_adapter", mapOf("lora_name" to "active_lora", "lora_path" to ServeFixtures.adapterB.toString()))
            again.status shouldBe 400
            again.json["error"]["message"].asText() shouldContain "load_inplace"
            val missing = post(base, "/set_lora_adapter/", mapOf("lora_name" to "x", "lora_int_id" to 9, "lora_path" to "/no/such/dir"))
            missing.status shouldBe 400
            missing.json["error"]["param"].asText() shouldBe "lora_path"
            trl(base) shouldBe bTokens // a refused update leaves the served policy as it was

            post(base, "/clear_lora_adapter/", mapOf<String, Any>()).status shouldBe 200
            trl(base) shouldBe baseTokens
        }
    }

    "/http_update_weights/ replaces base weights (base64 tensors) and versions the update" {
        Runtime.seed(99)
        val newHead = Scope.open().use { Tensors.randn(longArrayOf(412, 64), DType.F32).mul(0.5).toFloatArray() }
        val want = direct(listOf(prompt), 10, weights = { m ->
            Grad.disabled().use { m.namedParameters()["lm_head.weight"]!!.copy_(Tensors.of(newHead, 412, 64)) }
        })[0].tokens().toList()
        ServeFixtures.start().use { s ->
            val base = s.baseUrl()
            val before = trl(base)
            before shouldNotBe want
            val bytes = java.nio.ByteBuffer.allocate(newHead.size * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN)
            newHead.forEach { bytes.putFloat(it) }
            val param = mapOf("name" to "lm_head.weight", "dtype" to "torch.float32", "shape" to listOf(412, 64),
                "data" to Base64.getEncoder().encodeToString(bytes.array()))
            val wrong = post(base, "/http_update_weights/", mapOf("params" to listOf(param + ("shape" to listOf(64, 412)))))
            wrong.status shouldBe 400
            wrong.json["error"]["param"].asText() shouldBe "params[0].shape"
            trl(base) shouldBe before
            val r = post(base, "/http_update_weights/", mapOf("params" to listOf(param), "version" to 3))
            r.status shouldBe 200
            r.json["weights_version"].asInt() shouldBe 3
            get(base, "/health/").json["weights_version"].asInt() shouldBe 3
            trl(base) shouldBe want
        }
    }

    "concurrent clients each get their own prompt's answer (no mixed-up outputs)" {
        val prompts = (0 until 12).map { i -> intArrayOf(10 + i, 200 - i * 3, 50 + 2 * i) }
        val want = direct(prompts, 8).map { it.tokens().toList() }
        ServeFixtures.start(queued = 256, batch = 8).use { s ->
            val pool = Executors.newFixedThreadPool(12)
            try {
                val futures: List<Future<List<Int>>> = prompts.map { p ->
                    pool.submit<List<Int>> {
                        val r = post(s.baseUrl(), "/v1/completions", mapOf("prompt" to p.toList(), "max_tokens" to 8, "temperature" to 0))
                        r.status shouldBe 200
                        ints(r.json["choices"][0]["token_ids"])
                    }
                }
                futures.map { it.get() } shouldBe want
            } finally {
                pool.shutdownNow()
            }
            get(s.baseUrl(), "/health/").json["decode_steps"].asInt() shouldBeGreaterThan 0
        }
    }

    "overload: a full queue answers 503 with Retry-After; admitted requests still complete correctly" {
        val want = direct(listOf(prompt), 60)[0].tokens().toList()
        ServeFixtures.start(queued = 2, batch = 1).use { s ->
            val pool = Executors.newFixedThreadPool(16)
            try {
                val replies = (0 until 16).map {
                    pool.submit<ServeFixtures.Reply> {
                        post(s.baseUrl(), "/v1/completions", mapOf("prompt" to prompt.toList(), "max_tokens" to 60, "temperature" to 0))
                    }
                }.map { it.get() }
                val refused = replies.filter { it.status == 503 }
                refused.size shouldBeGreaterThan 0
                refused.forEach { it.headers["retry-after"]!![0].toInt() shouldBeGreaterThan 0 }
                refused[0].json["error"]["message"].asText() shouldContain "queue is full"
                val ok = replies.filter { it.status == 200 }
                ok.size shouldBeGreaterThan 0
                (ok.size + refused.size) shouldBe 16
                ok.forEach { ints(it.json["choices"][0]["token_ids"]) shouldBe want }
            } finally {
                pool.shutdownNow()
            }
        }
    }

    "shutdown drains: a request in flight when close() starts still gets its full answer" {
        val want = direct(listOf(prompt), 120)[0].tokens().toList()
        val s = ServeFixtures.start()
        val pool = Executors.newSingleThreadExecutor()
        try {
            val inFlight = pool.submit<ServeFixtures.Reply> {
                post(s.baseUrl(), "/v1/completions", mapOf("prompt" to prompt.toList(), "max_tokens" to 120, "temperature" to 0))
            }
            while (get(s.baseUrl(), "/health/").json["pending_rows"].asInt() == 0 && !inFlight.isDone) Thread.sleep(2)
            s.close()
            val r = inFlight.get()
            r.status shouldBe 200
            ints(r.json["choices"][0]["token_ids"]) shouldBe want
        } finally {
            pool.shutdownNow()
        }
    }
})
