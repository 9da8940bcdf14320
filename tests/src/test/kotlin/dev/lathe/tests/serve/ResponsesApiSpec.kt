package dev.lathe.tests.serve

import dev.lathe.engine.serve.LatheServer
import dev.lathe.engine.serve.ToolCalls
import dev.lathe.tests.serve.ServeFixtures.direct
import dev.lathe.tests.serve.ServeFixtures.ints
import dev.lathe.tests.serve.ServeFixtures.post
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** POST /v1/responses as NeMo Gym's agents call it: rendering, NeMo Gym's token fields, later turns keeping their tokens, Hermes tool calls, 400s. */
class ResponsesApiSpec : StringSpec({
    lateinit var server: LatheServer
    lateinit var base: String
    beforeSpec {
        server = ServeFixtures.start()
        base = server.baseUrl()
    }
    afterSpec { server.close() }
    val input = listOf(mapOf("role" to "developer", "content" to "Be brief."),
        mapOf("type" to "message", "role" to "user", "content" to listOf(mapOf("type" to "input_text", "text" to "Hello"))))

    "a first call: developer -> system, text parts joined, greedy output and NeMo Gym's token fields as direct generation gives them" {
        val (prompt, eos) = ServeFixtures.tokenizer { tok ->
            val msgs = listOf(mapOf("role" to "system", "content" to "Be brief."), mapOf("role" to "user", "content" to "Hello"))
            tok.encode(dev.lathe.engine.text.ChatTemplates.select("tokenizer_default", tok).render(msgs, true, tok), false) to tok.eosToken()
        }
        eos shouldBe "<|im_end|>" // the glue below is chatml's
        val want = direct(listOf(prompt), 6)[0]
        val r = post(base, "/v1/responses", mapOf("input" to input, "max_output_tokens" to 6, "temperature" to 0, "model" to "anything"))
        r.status shouldBe 200
        val j = r.json
        j["object"].asText() shouldBe "response"
        j["model"].asText() shouldBe "anything"
        j["status"].asText() shouldBe (if (want.finishReason() == "length") "incomplete" else "completed")
        val out = j["output"]
        out.size() shouldBe 1
        out[0]["type"].asText() shouldBe "message"
        out[0]["role"].asText() shouldBe "assistant"
        out[0]["content"][0]["type"].asText() shouldBe "output_text"
        out[0]["content"][0]["text"].asText() shouldBe want.text()
        ints(out[0]["prompt_token_ids"]) shouldBe prompt.toList()
        ints(out[0]["generation_token_ids"]) shouldBe want.tokens().toList()
        out[0]["generation_log_probs"].map { it.asDouble() }.zip(want.logprobs().toList()).forEach { (a, b) -> a shouldBe (b.toDouble() plusOrMinus 1e-4) }
        j["usage"]["output_tokens"].asInt() shouldBe want.tokens().size

        // the agent's next call: everything so far + a tool result; the prompt keeps the sampled ids, then the template's glue
        val next = input + listOf(ServeFixtures.json.convertValue(out[0], Map::class.java), mapOf("type" to "function_call_output", "call_id" to "c1", "output" to "42"))
        val r2 = post(base, "/v1/responses", mapOf("input" to next, "max_output_tokens" to 3, "temperature" to 0))
        r2.status shouldBe 200
        val p2 = ints(r2.json["output"].last()["prompt_token_ids"])
        val cut = want.finishReason() == "length"
        val glue = ServeFixtures.tokenizer { it.encode((if (cut) "<|im_end|>" else "") + "\n<|im_start|>tool\n42<|im_end|>\n<|im_start|>assistant\n", false) }
        p2 shouldBe prompt.toList() + want.tokens().toList() + glue.toList()
        ints(r2.json["output"].last()["generation_token_ids"]) shouldBe direct(listOf(p2.toIntArray()), 3)[0].tokens().toList()
    }

    "Hermes tool calls become function_call items; malformed blocks stay text" {
        val p = ToolCalls.parse("Let me check. <tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"sf\"}}\n</tool_call>")
        p.text() shouldBe "Let me check."
        p.calls().single() shouldBe ToolCalls.Call("get_weather", "{\"city\":\"sf\"}")
        ToolCalls.parse("<tool_call>{oops</tool_call> hi").let { it.calls().size shouldBe 0; it.text() shouldBe "<tool_call>{oops</tool_call> hi" }
        ToolCalls.parse("<tool_call>{\"name\": \"a\"}</tool_call><tool_call>{\"name\": \"b\", \"arguments\": \"{}\"}</tool_call>").calls()
            .map { it.name() to it.arguments() } shouldBe listOf("a" to "{}", "b" to "{}")
    }

    "/v1/chat/completions takes tools (for NeMo Gym's vLLM proxy): rendered through the template's `tools`, streamed only without" {
        val msgs = listOf(mapOf("role" to "user", "content" to "Hello"))
        val tools = listOf(mapOf("type" to "function", "function" to mapOf("name" to "get_weather", "parameters" to mapOf("type" to "object"))))
        val plain = post(base, "/v1/chat/completions", mapOf("messages" to msgs, "max_tokens" to 3, "temperature" to 0))
        val withTools = post(base, "/v1/chat/completions", mapOf("messages" to msgs, "max_tokens" to 3, "temperature" to 0, "tools" to tools,
            "tool_choice" to "auto", "logprobs" to true, "top_logprobs" to 0, "return_tokens_as_token_ids" to true))
        withTools.status shouldBe 200
        // chatml prints no tools: the same prompt and greedy answer; the proxy's fields are there
        ints(withTools.json["prompt_token_ids"]) shouldBe ints(plain.json["prompt_token_ids"])
        ints(withTools.json["choices"][0]["token_ids"]) shouldBe ints(plain.json["choices"][0]["token_ids"])
        withTools.json["choices"][0]["logprobs"]["content"].map { it["token"].asText() } shouldBe
            ints(plain.json["choices"][0]["token_ids"]).map { "token_id:$it" }
        val streamed = post(base, "/v1/chat/completions", mapOf("messages" to msgs, "tools" to tools, "stream" to true))
        streamed.status shouldBe 400
        streamed.json["error"]["param"].asText() shouldBe "tools"
        post(base, "/v1/chat/completions", mapOf("messages" to msgs, "tools" to listOf(mapOf("type" to "function")))).json["error"]["param"].asText() shouldBe
            "tools[0].function.name"
    }

    "bad /v1/responses requests: 400 naming the field" {
        fun bad(body: Map<String, Any?>, field: String, text: String) {
            val r = post(base, "/v1/responses", body)
            r.status shouldBe 400
            r.json["error"]["param"].asText() shouldBe field
            r.json["error"]["message"].asText() shouldContain text
        }
        bad(mapOf("input" to "hi", "messages" to listOf<Any>()), "messages", "unknown field")
        bad(mapOf("max_output_tokens" to 2), "input", "required")
        bad(mapOf("input" to "hi", "stream" to true), "stream", "not implemented")
        bad(mapOf("input" to "hi", "previous_response_id" to "r1"), "previous_response_id", "send the whole conversation")
        bad(mapOf("input" to listOf(mapOf("type" to "image", "url" to "x"))), "input[0].type", "unsupported item type 'image'")
        bad(mapOf("input" to listOf(mapOf("role" to "user", "content" to 5))), "input[0].content", "expected a string or a list")
        bad(mapOf("input" to listOf(mapOf("role" to "assistant", "content" to "x", "prompt_token_ids" to listOf(1), "generation_token_ids" to listOf(99999)))),
            "input[0].generation_token_ids", "outside the vocabulary")
        bad(mapOf("input" to listOf(mapOf("type" to "function_call_output", "call_id" to "c", "output" to "x", "prompt_token_ids" to listOf(1),
            "generation_token_ids" to listOf(2)))), "input[0]", "not the model's")
        bad(mapOf("input" to "hi", "max_output_tokens" to 1000), "max_output_tokens", "exceeds the model's context")
    }
})
