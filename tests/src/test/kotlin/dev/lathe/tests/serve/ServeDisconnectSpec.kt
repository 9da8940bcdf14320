package dev.lathe.tests.serve

import dev.lathe.tests.serve.ServeFixtures.get
import dev.lathe.tests.serve.ServeFixtures.post
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import java.net.Socket
import java.util.concurrent.Executors

/** A client that goes away frees its rows: its queued job is dropped, never decoded. */
class ServeDisconnectSpec : StringSpec({
    "a client that disconnects while queued is cancelled and its rows are released" {
        ServeFixtures.start(queued = 64, batch = 1).use { s ->
            val pool = Executors.newSingleThreadExecutor()
            try {
                val busy = pool.submit<ServeFixtures.Reply> {
                    post(s.baseUrl(), "/v1/completions", mapOf("prompt" to listOf(5, 6, 7), "max_tokens" to 120, "temperature" to 0))
                }
                while (get(s.baseUrl(), "/health/").json["pending_rows"].asInt() == 0) Thread.sleep(2)
                for ((i, stream) in listOf(false, true).withIndex()) {
                    Socket("127.0.0.1", s.port()).use { sock ->
                        val body = """{"prompt": [1, 2, 3], "max_tokens": 50, "stream": $stream}"""
                        sock.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
                            "Content-Length: ${body.length}\r\n\r\n$body").toByteArray())
                        sock.getOutputStream().flush()
                        // this request is queued (2 rows pending) and the previous one's cancel has been counted; a stale
                        // pending count from the previous socket would let this one close before its request is read
                        while (get(s.baseUrl(), "/health/").json.let { it["pending_rows"].asInt() < 2 || it["cancelled_jobs"].asInt() != i }) Thread.sleep(2)
                    }
                }
                busy.get().status shouldBe 200
                var h = get(s.baseUrl(), "/health/").json
                val deadline = System.nanoTime() + 5_000_000_000
                while (h["pending_rows"].asInt() != 0 && System.nanoTime() < deadline) { Thread.sleep(5); h = get(s.baseUrl(), "/health/").json }
                h["cancelled_jobs"].asInt() shouldBe 2
                h["pending_rows"].asInt() shouldBe 0
                h["completion_tokens"].asInt() shouldBe 120 // only the busy request was decoded
            } finally {
                pool.shutdownNow()
            }
        }
    }
})
