package dev.lathe.tests.serve

import dev.lathe.tests.serve.ServeFixtures.direct
import dev.lathe.tests.serve.ServeFixtures.get
import dev.lathe.tests.serve.ServeFixtures.ints
import dev.lathe.tests.serve.ServeFixtures.post
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.ints.shouldBeLessThan
import io.kotest.matchers.shouldBe
import java.net.Socket
import java.util.concurrent.Executors

/**
 * Continuous batching in `lathe serve`: a request joins the running batch between decode steps and leaves
 * it when done, streams one event per step, and a streaming client that leaves frees its rows mid-generation.
 */
class ServeBatchingSpec : StringSpec({
    val long = intArrayOf(12, 7, 99, 140, 3)
    val short = intArrayOf(40, 41, 42)

    "a short request joins a running long one, finishes first, and neither output changes" {
        val wantLong = direct(listOf(long), 240)[0].tokens().toList()
        wantLong.size shouldBe 240 // the fixture model does not stop early on this prompt, so the long request runs all steps
        val wantShort = direct(listOf(short), 4)[0].tokens().toList()
        ServeFixtures.start(queued = 16, batch = 4).use { s ->
            val pool = Executors.newSingleThreadExecutor()
            try {
                val a = pool.submit<ServeFixtures.Reply> {
                    post(s.baseUrl(), "/v1/completions", mapOf("prompt" to long.toList(), "max_tokens" to 240, "temperature" to 0))
                }
                while (get(s.baseUrl(), "/health/").json["completion_tokens"].asInt() == 0) Thread.sleep(1)
                // different settings in one batch: two greedy samples, a 4-token budget
                val b = post(s.baseUrl(), "/v1/completions", mapOf("prompt" to short.toList(), "max_tokens" to 4, "temperature" to 0, "n" to 2))
                val tokensWhenShortDone = get(s.baseUrl(), "/health/").json["completion_tokens"].asInt()
                b.status shouldBe 200
                b.json["choices"].map { ints(it["token_ids"]) } shouldBe listOf(wantShort, wantShort)
                tokensWhenShortDone shouldBeLessThan 240 + 8 // the long request was still decoding
                a.isDone shouldBe false
                val ra = a.get()
                ra.status shouldBe 200
                ints(ra.json["choices"][0]["token_ids"]) shouldBe wantLong
            } finally {
                pool.shutdownNow()
            }
        }
    }

    "stream: an event per decode step; a streaming client that leaves frees its rows before its budget is spent" {
        ServeFixtures.start(queued = 16, batch = 4).use { s ->
            Socket("127.0.0.1", s.port()).use { sock ->
                val body = """{"prompt": [12, 7, 99, 140, 3], "max_tokens": 240, "temperature": 0, "stream": true}"""
                sock.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
                    "Content-Length: ${body.length}\r\n\r\n$body").toByteArray())
                sock.getOutputStream().flush()
                val seen = StringBuilder()
                val input = sock.getInputStream()
                while (!seen.contains("data: {")) seen.append(input.read().toChar())
            }
            var h = get(s.baseUrl(), "/health/").json
            val deadline = System.nanoTime() + 5_000_000_000
            while (h["pending_rows"].asInt() != 0 && System.nanoTime() < deadline) { Thread.sleep(5); h = get(s.baseUrl(), "/health/").json }
            h["pending_rows"].asInt() shouldBe 0
            h["cancelled_jobs"].asInt() shouldBe 1
            h["completion_tokens"].asInt() shouldBeLessThan 240
            h["live_rows"].asInt() shouldBe 0
        }
    }
})
