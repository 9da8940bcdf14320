package dev.lathe.tests.serve

import com.fasterxml.jackson.databind.JsonNode
import dev.lathe.engine.remote.gym.NemoGymAgents
import dev.lathe.engine.remote.gym.NemoGymRows
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files
import java.time.Duration

/** NeMo Gym: /verify as a reward (concurrent, unscorable on failure) and multi-turn /run through an agent calling `lathe serve`. */
class NemoGymSpec : StringSpec({
    "dataset rows: first user message as the prompt, raw row kept, server by entry unless the row names one; seeded" {
        val dir = Files.createDirectories(ServeFixtures.root.resolve("gym"))
        val file = dir.resolve("data.jsonl")
        Files.writeString(file, """
            {"responses_create_params": {"input": [{"role": "developer", "content": "Be terse."}, {"role": "user", "content": "What is 2+2?"}]}, "answer": "4", "metadata": {"a": 1}}
            {"responses_create_params": {"input": [{"role": "user", "content": "Capital of France?"}]}, "answer": "Paris", "agent_ref": {"type": "resources_servers", "name": "geo"}}
        """.trimIndent() + "\n")
        val rows = NemoGymRows.load(listOf(NemoGymRows.Entry("data.jsonl", "math", null)), dir, 3)
        rows.size shouldBe 2
        NemoGymRows.load(listOf(NemoGymRows.Entry(file.toString(), "math", null)), dir.resolve("elsewhere"), 3) shouldBe rows
        val byPrompt = rows.associateBy { it["task_prompt"] }
        byPrompt["What is 2+2?"]!!["resources_server_ref"] shouldBe mapOf("name" to "math")
        byPrompt["Capital of France?"]!!["resources_server_ref"] shouldBe mapOf("name" to "geo")
        byPrompt["What is 2+2?"]!!["prompt"] shouldBe listOf(mapOf("role" to "user", "content" to "What is 2+2?"))
        ServeFixtures.json.readTree(byPrompt["What is 2+2?"]!!["verify_extra"] as String)["metadata"]["a"].asInt() shouldBe 1
    }

    "multi-turn /run: the documented example parses as Axolotl's test expects; a rewritten history is refused" {
        val example = ServeFixtures.json.readTree("""{"response": {"output": [
           {"type": "function_call", "name": "guess_word", "arguments": "{}", "call_id": "call_1", "prompt_token_ids": [1, 2, 3, 4, 5], "generation_token_ids": [10, 11, 12, 13], "generation_log_probs": [-0.1, -0.2, -0.3, -0.4]},
           {"type": "function_call_output", "call_id": "call_1", "output": "{}"},
           {"type": "function_call", "name": "guess_word", "arguments": "{}", "call_id": "call_2", "prompt_token_ids": [1, 2, 3, 4, 5, 10, 11, 12, 13, 50, 51, 52], "generation_token_ids": [20, 21, 22], "generation_log_probs": [-0.5, -0.6, -0.7]}]},
           "reward": 0.42}""")
        val r = NemoGymAgents.parse(example)
        r.promptIds().toList() shouldBe listOf(1, 2, 3, 4, 5)
        r.completionIds().toList() shouldBe listOf(10, 11, 12, 13, 50, 51, 52, 20, 21, 22)
        r.envMask().toList() shouldBe listOf(1, 1, 1, 1, 0, 0, 0, 1, 1, 1)
        r.logprobs().map { it.toDouble() }.zip(listOf(-.1, -.2, -.3, -.4, 0.0, 0.0, 0.0, -.5, -.6, -.7)).forEach { (a, b) -> a shouldBe (b plusOrMinus 1e-6) }
        r.reward() shouldBe 0.42
        r.numTurns() shouldBe 2
        (example["response"]["output"][2]["prompt_token_ids"] as com.fasterxml.jackson.databind.node.ArrayNode).set(5, ServeFixtures.json.nodeFactory.numberNode(99))
        val bad = runCatching { NemoGymAgents.parse(example) }.exceptionOrNull()!!
        bad.message!! shouldContain "tokens diverge at 5 of 9"
    }

    "multi-turn /run through a stub agent whose model calls reach `lathe serve`" {
        ServeFixtures.start().use { lathe ->
            GymStub.resources().use { rs ->
                // the simple agent of §B.4, with the vLLM proxy's token fields: model call, tool, model call, verify
                val agent = GymStub(mapOf("/run" to { body ->
                    ServeFixtures.post(rs.url, "/seed_session", body)
                    val params = body["responses_create_params"]
                    val user = params["input"].last()["content"].asText()
                    var prompt = ServeFixtures.tokenizer { it.encode(user, true) }.toList()
                    val output = mutableListOf<Map<String, Any>>()
                    for (turn in 1..2) {
                        val r = ServeFixtures.post(lathe.baseUrl(), "/v1/completions", mapOf("model" to "tiny", "prompt" to prompt,
                            "max_tokens" to params["max_output_tokens"].asInt(), "temperature" to params["temperature"].asDouble(),
                            "top_p" to params["top_p"].asDouble(), "logprobs" to 0, "seed" to 7)).json["choices"][0]
                        val gen = ServeFixtures.ints(r["token_ids"])
                        output += mapOf("type" to "function_call", "name" to "get_weather", "arguments" to "{\"city\": \"sf\"}", "call_id" to "c$turn",
                            "prompt_token_ids" to prompt, "generation_token_ids" to gen,
                            "generation_log_probs" to r["logprobs"]["token_logprobs"].map { it.asDouble() })
                        val tool = ServeFixtures.post(rs.url, "/get_weather", mapOf("city" to "sf")).body
                        output += mapOf("type" to "function_call_output", "call_id" to "c$turn", "output" to tool)
                        prompt = prompt + gen + ServeFixtures.tokenizer { it.encode(tool, false) }.toList()
                    }
                    200 to mapOf("response" to mapOf("output" to output), "reward" to 0.75)
                }))
                agent.use {
                    val row = NemoGymRows.load(listOf(NemoGymRows.Entry(Files.writeString(Files.createTempFile("gym", ".jsonl"),
                        """{"responses_create_params": {"input": [{"role": "user", "content": "what's it like in sf?"}]}, "agent_ref": {"type": "responses_api_agents", "name": "weather_agent"}}""" + "\n").toString(),
                        "rs", null)), ServeFixtures.root, 1)[0]
                    val out = NemoGymAgents(mapOf("weather_agent" to agent.url), Duration.ofSeconds(60), 8).run(listOf(row, row), 6, 0.8, 1.0)
                    out.size shouldBe 2
                    for (r in out) {
                        r.error() shouldBe null
                        r.numTurns() shouldBe 2
                        r.reward() shouldBe 0.75
                        val toolText = ServeFixtures.json.writeValueAsString(mapOf("city" to "sf", "weather" to "sunny"))
                        r.envMask().count { it == 0 } shouldBe ServeFixtures.tokenizer { it.encode(toolText, false).size } // one tool answer between the turns
                        r.logprobs().filterIndexed { i, _ -> r.envMask()[i] == 1 }.all { it <= 0f } shouldBe true
                    }
                    val sent = agent.requests.first().second["responses_create_params"]
                    sent["max_output_tokens"].asInt() shouldBe 6
                    sent["temperature"].asDouble() shouldBe 0.8
                    val missing = NemoGymAgents(mapOf("a" to agent.url, "b" to agent.url), Duration.ofSeconds(5), 2)
                        .run(listOf(row + ("verify_extra" to """{"responses_create_params": {"input": "hi"}}""") - "agent_ref"), 4, 1.0, 1.0)[0]
                    missing.failed() shouldBe true
                    missing.reward().isNaN() shouldBe true
                    missing.error() shouldContain "no agent server given"
                }
            }
        }
    }
})
