package dev.lathe.tests.serve

import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.node.ObjectNode
import com.sun.net.httpserver.HttpExchange
import com.sun.net.httpserver.HttpServer
import java.net.InetSocketAddress
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicInteger

/**
 * Loopback stubs of NeMo Gym servers implementing the documented schemas (ebft-nemogym.md §B.3–B.4):
 * a resources server (/verify echoes the request plus a reward; /get_weather is a tool) and a simple
 * agent (/run: seed the session, call the model until it stops or max_steps, run tools, verify).
 */
class GymStub(routes: Map<String, (JsonNode) -> Pair<Int, Any>>) : AutoCloseable {
    private val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
    val requests = CopyOnWriteArrayList<Pair<String, JsonNode>>()
    /** Client ports seen (one per TCP connection: a reused connection adds none) and the most requests handled at once. */
    val clientPorts: MutableSet<Int> = ConcurrentHashMap.newKeySet()
    private val active = AtomicInteger()
    val maxConcurrent = AtomicInteger()
    val url: String get() = "http://127.0.0.1:${server.address.port}"

    init {
        server.executor = Executors.newFixedThreadPool(8)
        for ((path, handler) in routes) {
            server.createContext(path) { ex: HttpExchange ->
                clientPorts += ex.remoteAddress.port
                maxConcurrent.accumulateAndGet(active.incrementAndGet(), ::maxOf)
                val body = ServeFixtures.json.readTree(ex.requestBody.readAllBytes().let { if (it.isEmpty()) "{}".toByteArray() else it })
                requests += path to body
                val (status, reply) = try { handler(body) } catch (e: Exception) { 500 to mapOf("detail" to e.toString()) }
                active.decrementAndGet()
                // a String reply is sent as is (a malformed body when it is not JSON)
                val bytes = if (reply is String) reply.toByteArray() else ServeFixtures.json.writeValueAsBytes(reply)
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

        /**
         * A resources server that checks /verify requests against NeMo Gym's schema (ebft-nemogym.md §B.3) as pydantic
         * would (422 with the offending field otherwise) and answers the echoed request plus `reward = score(request, text)`
         * after `delayMs`. Rows whose `answer` is FAIL get 500, SLOW sleep 3 s, JUNK a 200 whose body is not JSON,
         * NOREWARD a 200 without `reward`.
         */
        fun strictResources(delayMs: Long = 0, score: (JsonNode, String) -> Double) = GymStub(mapOf(
            "/verify" to { b ->
                val problem = verifySchemaProblem(b)
                when {
                    problem != null -> 422 to mapOf("detail" to problem)
                    b["answer"]?.asText() == "FAIL" -> 500 to mapOf("detail" to "judge crashed")
                    b["answer"]?.asText() == "SLOW" -> { Thread.sleep(3000); 200 to mapOf("reward" to 1.0) }
                    b["answer"]?.asText() == "JUNK" -> 200 to "<html>proxy error</html>"
                    b["answer"]?.asText() == "NOREWARD" -> 200 to mapOf("score" to 1.0)
                    else -> {
                        Thread.sleep(delayMs)
                        val text = b["response"]["output"][0]["content"][0]["text"].asText()
                        200 to ((b as ObjectNode).deepCopy().put("reward", score(b, text)))
                    }
                }
            },
            "/seed_session" to { _ -> 200 to mapOf<String, Any>() },
            "/" to { _ -> 200 to mapOf("status" to "ok") },
        ))

        private val CREATE_PARAMS = setOf("input", "tools", "tool_choice", "parallel_tool_calls", "max_output_tokens", "temperature",
            "top_p", "instructions", "metadata", "model", "reasoning", "text", "truncation", "store", "include", "background",
            "max_tool_calls", "previous_response_id", "prompt", "service_tier", "top_logprobs", "user", "stream")

        /** What pydantic would refuse in a BaseVerifyRequest, or null. */
        fun verifySchemaProblem(b: JsonNode): String? {
            val p = b["responses_create_params"] ?: return "responses_create_params: field required"
            p.fieldNames().asSequence().firstOrNull { it !in CREATE_PARAMS }?.let { return "responses_create_params.$it: extra inputs are not permitted" }
            val input = p["input"] ?: return "responses_create_params.input: field required"
            if (!input.isTextual && !input.isArray) return "responses_create_params.input: expected a string or a list"
            val r = b["response"] ?: return "response: field required"
            for (f in listOf("id", "created_at", "model", "object", "output", "parallel_tool_calls", "tool_choice", "tools")) {
                if (!r.has(f)) return "response.$f: field required"
            }
            if (r["object"].asText() != "response") return "response.object: expected 'response'"
            for ((i, item) in r["output"].withIndex()) {
                if (item["type"]?.asText() != "message") continue
                if (item["role"]?.asText() != "assistant") return "response.output[$i].role: expected 'assistant'"
                for ((j, c) in item["content"].withIndex()) {
                    if (c["type"]?.asText() != "output_text" || !c.has("text") || !c.has("annotations")) return "response.output[$i].content[$j]: not an output_text"
                }
            }
            return null
        }

        /**
         * NeMo Gym's simple agent (§B.4) with a fixed script, since a random tiny model emits no tool calls: /run seeds the
         * session, calls the model server's POST /v1/responses with `input` + the outputs so far, appends a tool result from
         * the resources server's /get_weather as a function_call_output, calls the model again (always `turns` calls, even
         * after an incomplete one), then POSTs /verify with the row plus the final response, and answers /verify's reply.
         * Every model answer is kept in [modelCalls] (in call order). Rows whose `answer` is FAIL get a 500, JUNK a 200 whose
         * body is not JSON, SLOW a 500 after 2.5 s. [model] is the model server's base URL (read per call: it may start after the agent).
         */
        fun simpleAgent(resources: String, model: () -> String, turns: Int = 2, modelCalls: MutableList<JsonNode> = CopyOnWriteArrayList()): GymStub {
            val j = ServeFixtures.json
            return GymStub(mapOf("/run" to { body ->
                when (body["answer"]?.asText()) {
                    "FAIL" -> 500 to mapOf("detail" to "agent crashed")
                    "JUNK" -> 200 to "<html>proxy error</html>"
                    "SLOW" -> { Thread.sleep(2500); 500 to mapOf("detail" to "too late") }
                    else -> {
                        ServeFixtures.post(resources, "/seed_session", body)
                        val params = body["responses_create_params"] as ObjectNode
                        val input = params["input"].let { if (it.isTextual) j.createArrayNode().add(j.createObjectNode().put("role", "user").put("content", it.asText())) else it }
                        val outputs = j.createArrayNode()
                        var failed: Pair<Int, Any>? = null
                        for (turn in 1..turns) {
                            val req = params.deepCopy().set<ObjectNode>("input", (input.deepCopy() as com.fasterxml.jackson.databind.node.ArrayNode).addAll(outputs))
                            val r = ServeFixtures.post(model(), "/v1/responses", req)
                            if (r.status != 200) { failed = 502 to mapOf("detail" to "model server: HTTP ${r.status}: ${r.body}"); break }
                            modelCalls.add(r.json)
                            outputs.addAll(r.json["output"] as com.fasterxml.jackson.databind.node.ArrayNode)
                            if (turn < turns) {
                                val tool = ServeFixtures.post(resources, "/get_weather", mapOf("city" to "sf")).body
                                outputs.add(j.createObjectNode().put("type", "function_call_output").put("call_id", "call_$turn").put("output", tool))
                            }
                        }
                        failed ?: run {
                            val response = j.createObjectNode().put("id", "resp_run").put("created_at", 0).put("model", "policy").put("object", "response")
                                .put("parallel_tool_calls", true).put("tool_choice", "auto")
                            response.set<ObjectNode>("output", outputs)
                            response.putArray("tools")
                            val v = ServeFixtures.post(resources, "/verify", (body as ObjectNode).deepCopy().set<ObjectNode>("response", response))
                            v.status to v.json
                        }
                    }
                }
            }))
        }

        fun wordScore(text: String): Double = (text.split(' ').count { it.isNotEmpty() } % 3) / 2.0
    }
}
