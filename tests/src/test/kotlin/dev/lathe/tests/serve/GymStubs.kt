package dev.lathe.tests.serve

import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.node.ObjectNode
import com.sun.net.httpserver.HttpExchange
import com.sun.net.httpserver.HttpServer
import java.net.InetSocketAddress
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.Executors

/**
 * Loopback stubs of NeMo Gym servers implementing the documented schemas (ebft-nemogym.md §B.3–B.4):
 * a resources server (/verify echoes the request plus a reward; /get_weather is a tool) and a simple
 * agent (/run: seed the session, call the model until it stops or max_steps, run tools, verify).
 */
class GymStub(routes: Map<String, (JsonNode) -> Pair<Int, Any>>) : AutoCloseable {
    private val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
    val requests = CopyOnWriteArrayList<Pair<String, JsonNode>>()
    val url: String get() = "http://127.0.0.1:${server.address.port}"

    init {
        server.executor = Executors.newFixedThreadPool(8)
        for ((path, handler) in routes) {
            server.createContext(path) { ex: HttpExchange ->
                val body = ServeFixtures.json.readTree(ex.requestBody.readAllBytes().let { if (it.isEmpty()) "{}".toByteArray() else it })
                requests += path to body
                val (status, reply) = try { handler(body) } catch (e: Exception) { 500 to mapOf("detail" to e.toString()) }
                val bytes = ServeFixtures.json.writeValueAsBytes(reply)
                ex.responseHeaders.add("Content-Type", "application/json")
                ex.sendResponseHeaders(status, bytes.size.toLong())
                ex.responseBody.use { it.write(bytes) }
            }
        }
        server.start()
    }

    override fun close() {
        server.stop(0)
        (server.executor as java.util.concurrent.ExecutorService).shutdownNow()
    }

    companion object {
        /** reward = number of words in the answer text mod 3, halved; a "FAIL" answer row gives 500, "SLOW" sleeps past the timeout. */
        fun resources() = GymStub(mapOf(
            "/verify" to { b ->
                when (b["answer"]?.asText()) {
                    "FAIL" -> 500 to mapOf("detail" to "judge crashed")
                    "SLOW" -> { Thread.sleep(1500); 200 to mapOf("reward" to 1.0) }
                    else -> {
                        val text = b["response"]["output"][0]["content"][0]["text"].asText()
                        200 to ((b as ObjectNode).deepCopy().put("reward", wordScore(text)))
                    }
                }
            },
            "/seed_session" to { _ -> 200 to mapOf<String, Any>() },
            "/get_weather" to { b -> 200 to mapOf("city" to b["city"].asText(), "weather" to "sunny") },
        ))

        fun wordScore(text: String): Double = (text.split(' ').count { it.isNotEmpty() } % 3) / 2.0
    }
}
