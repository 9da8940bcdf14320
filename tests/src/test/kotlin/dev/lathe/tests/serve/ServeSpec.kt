package dev.lathe.tests.serve

import dev.lathe.engine.serve.LatheServer
import dev.lathe.tests.serve.ServeFixtures.direct
import dev.lathe.tests.serve.ServeFixtures.events
import dev.lathe.tests.serve.ServeFixtures.get
import dev.lathe.tests.serve.ServeFixtures.ints
import dev.lathe.tests.serve.ServeFixtures.post
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** `lathe serve` driven over HTTP: every generation route against direct in-process greedy generation. */
class ServeSpec : StringSpec({
    lateinit var server: LatheServer
    lateinit var base: String
    beforeSpec {
        server = ServeFixtures.start()
        base = server.baseUrl()
    }
    afterSpec { server.close() }

    "GET /v1/models, /health/ and /get_world_size/ answer" {
        val models = get(base, "/v1/models")
        models.status shouldBe 200
        models.json["data"].map { it["id"].asText() } shouldBe listOf("tiny")
        models.json["data"][0]["max_model_len"].asInt() shouldBe 256
        get(base, "/health/").json["status"].asText() shouldBe "ok"
        get(base, "/get_world_size/").json["world_size"].asInt() shouldBe 1
    }

    "/v1/completions: text and token-id prompts give the tokens, text and log-probs of direct greedy generation" {
        val text = "The quick brown fox"
        val ids = ServeFixtures.tokenizer { it.encode(text, true) }
        val other = intArrayOf(5, 80, 200, 31)
        val want = direct(listOf(ids, other), 12)
        val r = post(base, "/v1/completions", mapOf("model" to "tiny", "prompt" to listOf(text, other.toList()),
            "max_tokens" to 12, "temperature" to 0, "logprobs" to 0))
        r.status shouldBe 200
        val choices = r.json["choices"]
        choices.size() shouldBe 2
        for (i in 0..1) {
            ints(choices[i]["token_ids"]) shouldBe want[i].tokens().toList()
            ints(choices[i]["prompt_token_ids"]) shouldBe (if (i == 0) ids else other).toList()
            choices[i]["text"].asText() shouldBe want[i].text()
            choices[i]["finish_reason"].asText() shouldBe (if (want[i].finishReason() == "length") "length" else "stop")
            val lps = choices[i]["logprobs"]["token_logprobs"].map { it.asDouble() }
            for (k in lps.indices) lps[k] shouldBe (want[i].logprobs()[k].toDouble() plusOrMinus 1e-4)
        }
        r.json["usage"]["prompt_tokens"].asInt() shouldBe ids.size + other.size
        r.json["usage"]["completion_tokens"].asInt() shouldBe want.sumOf { it.tokens().size }
    }

    "/v1/chat/completions renders the served chat template and matches direct generation" {
        val messages = listOf(mapOf("role" to "system", "content" to "Be brief."), mapOf("role" to "user", "content" to "Hello {{ there }}"))
        val prompt = ServeFixtures.tokenizer { tok ->
            dev.lathe.engine.text.ChatTemplates.select("tokenizer_default", tok).render(messages, true, tok).let { tok.encode(it, false) }
        }
        val want = direct(listOf(prompt), 10)[0]
        val r = post(base, "/v1/chat/completions", mapOf("messages" to messages, "max_tokens" to 10, "temperature" to 0.0, "logprobs" to true))
        r.status shouldBe 200
        ints(r.json["prompt_token_ids"]) shouldBe prompt.toList()
        val ch = r.json["choices"][0]
        ints(ch["token_ids"]) shouldBe want.tokens().toList()
        ch["message"]["role"].asText() shouldBe "assistant"
        ch["message"]["content"].asText() shouldBe want.text()
        ch["logprobs"]["content"].size() shouldBe want.tokens().size
    }

    "TRL /generate/ (token ids in, n completions out with sampler log-probs) and /chat/" {
        val prompts = listOf(intArrayOf(3, 14, 15, 92), intArrayOf(65, 35))
        val want = direct(prompts, 8)
        val r = post(base, "/generate/", mapOf("prompts" to prompts.map { it.toList() }, "n" to 2, "temperature" to 0.0,
            "max_tokens" to 8, "logprobs" to 0))
        r.status shouldBe 200
        r.json["prompt_ids"].map { ints(it) } shouldBe prompts.map { it.toList() }
        val got = r.json["completion_ids"].map { ints(it) }
        got shouldBe listOf(want[0], want[0], want[1], want[1]).map { it.tokens().toList() }
        val lp = r.json["logprobs"][2].map { it[0].asDouble() }
        for (k in lp.indices) lp[k] shouldBe (want[1].logprobs()[k].toDouble() plusOrMinus 1e-4)
        r.json["logprob_token_ids"][2].map { it[0].asInt() } shouldBe want[1].tokens().toList()

        val conv = listOf(mapOf("role" to "user", "content" to "What is 2+2?"))
        val chatIds = ServeFixtures.tokenizer { tok ->
            tok.encode(dev.lathe.engine.text.ChatTemplates.select("tokenizer_default", tok).render(conv, true, tok), false)
        }
        val c = post(base, "/chat/", mapOf("messages" to listOf(conv), "temperature" to 0.0, "max_tokens" to 6))
        c.status shouldBe 200
        ints(c.json["prompt_ids"][0]) shouldBe chatIds.toList()
        ints(c.json["completion_ids"][0]) shouldBe direct(listOf(chatIds), 6)[0].tokens().toList()
    }

    "stream: true sends server-sent events whose deltas add up to the non-streamed answer" {
        val req = mapOf("prompt" to "Once upon a time", "max_tokens" to 10, "temperature" to 0, "stream" to true,
            "stream_options" to mapOf("include_usage" to true))
        val whole = post(base, "/v1/completions", req - "stream" - "stream_options").json["choices"][0]
        val r = post(base, "/v1/completions", req)
        r.status shouldBe 200
        r.headers["content-type"]!![0] shouldContain "text/event-stream"
        val (evs, done) = events(r.body)
        done shouldBe true
        val chunks = evs.filter { it["choices"].size() > 0 }
        chunks.joinToString("") { it["choices"][0]["text"].asText() } shouldBe whole["text"].asText()
        chunks.flatMap { ints(it["choices"][0]["token_ids"]) } shouldBe ints(whole["token_ids"])
        chunks.last()["choices"][0]["finish_reason"].asText() shouldBe whole["finish_reason"].asText()
        evs.last()["usage"]["completion_tokens"].asInt() shouldBe whole["token_ids"].size()

        val msgs = listOf(mapOf("role" to "user", "content" to "Tell me a story"))
        val chat = post(base, "/v1/chat/completions", mapOf("messages" to msgs, "max_tokens" to 9, "temperature" to 0)).json
        val (cev, cdone) = events(post(base, "/v1/chat/completions", mapOf("messages" to msgs, "max_tokens" to 9, "temperature" to 0, "stream" to true)).body)
        cdone shouldBe true
        cev[0]["choices"][0]["delta"]["role"].asText() shouldBe "assistant"
        cev.joinToString("") { it["choices"][0]["delta"].path("content").asText() } shouldBe chat["choices"][0]["message"]["content"].asText()
        cev.flatMap { ints(it["choices"][0]["token_ids"]) } shouldBe ints(chat["choices"][0]["token_ids"])
    }

    "bad requests get 400 naming the field; unknown routes 404" {
        fun bad(path: String, body: Any, field: String?, text: String) {
            val r = post(base, path, body)
            r.status shouldBe 400
            r.json["error"]["param"].let { if (field == null) it.isNull shouldBe true else it.asText() shouldBe field }
            r.json["error"]["message"].asText() shouldContain text
        }
        bad("/v1/completions", "{\"prompt\": \"hi\", ", "body", "not valid JSON")
        bad("/v1/completions", "[1, 2]", "body", "expected a JSON object")
        bad("/v1/completions", mapOf("prompt" to "hi", "temperature" to "hot"), "temperature", "expected a number")
        bad("/v1/completions", mapOf("prompt" to "hi", "max_tokens" to 2.5), "max_tokens", "expected an integer")
        bad("/v1/completions", mapOf("prompt" to "hi", "model" to "gpt-4"), "model", "not served here")
        bad("/v1/completions", mapOf("prompt" to "hi", "temprature" to 0), "temprature", "unknown field")
        bad("/v1/completions", mapOf("prompt" to listOf(1, 99999)), "prompt", "outside the vocabulary")
        bad("/v1/completions", mapOf("prompt" to "hi", "max_tokens" to 1000), "max_tokens", "exceeds the model's context of 256")
        bad("/v1/completions", mapOf("prompt" to "hi", "presence_penalty" to 0.5), "presence_penalty", "not implemented")
        bad("/v1/chat/completions", mapOf("messages" to listOf(mapOf("role" to "user", "content" to 5))), "messages[0].content", "expected a string")
        bad("/v1/chat/completions", mapOf("messages" to "hi"), "messages", "expected a list")
        bad("/generate/", mapOf("prompts" to listOf("a"), "n" to "two"), "n", "expected an integer")
        bad("/generate/", mapOf("prompts" to listOf("a"), "generation_kwargs" to mapOf("beam_width" to 2)), "generation_kwargs.beam_width", "not supported")
        post(base, "/nope", mapOf<String, Any>()).status shouldBe 404
        get(base, "/v1/completions").status shouldBe 405
        get(base, "/health/").json["status"].asText() shouldBe "ok" // still serving
    }
})
