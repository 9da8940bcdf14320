package dev.lathe.tests.data

import dev.lathe.engine.data.DataConfig
import dev.lathe.engine.data.DataWarnings
import dev.lathe.engine.data.DatasetSpec
import dev.lathe.engine.data.Preprocessor
import dev.lathe.engine.data.TemplateRenderers
import dev.lathe.engine.text.HfTokenizer
import dev.lathe.engine.text.TokenizerBuilder
import dev.lathe.tests.data.DataTestSupport.jsonl
import dev.lathe.tests.data.DataTestSupport.tempDir
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/**
 * End to end with the engine's own tokenizer (byte-level BPE from TokenizerBuilder, llama3 family:
 * its post-processor adds <|begin_of_text|>) and Jinjava templates: the llama3 template also emits
 * BOS, so every prompt starts with two BOS ids, which must come out as one.
 */
class RealTokenizerSpec : FunSpec({
    val rows = arrayOf(
        """{"messages":[{"role":"user","content":"Hi there, how are you?"}],"chosen":"Fine, thanks.","rejected":"Go away."}""",
        """{"messages":[{"role":"system","content":"Be terse."},{"role":"user","content":"Name a colour."}],"chosen":"Blue.","rejected":"I would rather not say."}""",
    )
    val dir = tempDir()
    TokenizerBuilder.byteLevelBpe(rows.toList() + listOf("the quick brown fox jumps over the lazy dog"), 400)
        .chatTemplate("llama3").write(dir.resolve("tok"))
    val tok = HfTokenizer.load(dir.resolve("tok"))
    jsonl(dir, "d.jsonl", *rows)

    test("llama3 template + BOS-adding tokenizer: one BOS, shared prompt ids, completions decode to their strings") {
        val cfg = DataConfig.builder().rl("dpo").baseDir(dir).chatTemplate("llama3").shuffleMergedDatasets(false)
            .datasets(listOf(DatasetSpec.builder("d.jsonl").type("chat_template.default").build())).build()
        val r = Preprocessor.run(cfg, tok, TemplateRenderers.of(tok), DataWarnings())
        val bos = tok.tokenToId("<|begin_of_text|>")
        r.train.size shouldBe 2
        for (e in r.train) {
            e.prompt()[0] shouldBe bos
            e.prompt()[1] shouldBe tok.encode("<|start_header_id|>", false)[0]
            tok.decode(e.prompt(), false) shouldBe e.text().prompt()
            tok.decode(e.chosen(), false) shouldBe e.text().chosen()
            tok.decode(e.rejected(), false) shouldBe e.text().rejected()
            e.text().chosen() shouldContain "<|eot_id|>"
        }
        tok.decode(r.train[0].chosen(), false) shouldBe "Fine, thanks.<|eot_id|>"
        r.report.fixes().filterKeys { "doubled BOS" in it }.values.single() shouldBe 2L
    }

    test("a multi-megabyte row longer than sequence_len is dropped without being tokenised; rows near the limit take the exact path") {
        var longest = 0
        val counting = object : dev.lathe.engine.text.Tokenizer by tok {
            override fun encode(text: String, addSpecialTokens: Boolean): IntArray {
                longest = maxOf(longest, text.length)
                return tok.encode(text, addSpecialTokens)
            }
            override fun maxBytesPerToken() = tok.maxBytesPerToken() // Kotlin's `by` skips Java default methods
        }
        tok.maxBytesPerToken() shouldBe tokenJsonLongest(dir.resolve("tok/tokenizer.json")) // byte-level BPE: no normalizer
        val big = "lorem ipsum dolor sit amet ".repeat(80_000) // 2.1 MB
        val seqLen = 64
        // 40 short tokens' worth of text just under the bound: dropped or kept by the exact count only
        val near = "fox ".repeat(seqLen)
        val d = tempDir()
        jsonl(d, "d.jsonl",
            """{"question":"Q","chosen":"yes","rejected":"no"}""",
            """{"question":"Q","chosen":"$big","rejected":"no"}""",
            """{"question":"Q","chosen":"$near","rejected":"no"}""")
        val cfg = DataConfig.builder().rl("dpo").baseDir(d).sequenceLen(seqLen).shuffleMergedDatasets(false)
            .datasets(listOf(DatasetSpec.builder("d.jsonl").type("chatml.intel").build())).build()
        val r = Preprocessor.run(cfg, counting, TemplateRenderers.of(counting), DataWarnings())
        r.train.size shouldBe 1
        r.report.dropped().values.sum() shouldBe 2L
        (longest < 10_000) shouldBe true // the 2 MB text never reached the tokenizer; `near` (256 chars) did
        (longest >= near.length) shouldBe true
    }
})

/** The UTF-8 length of the longest token string in a tokenizer.json (vocab and added tokens). */
private fun tokenJsonLongest(f: java.nio.file.Path): Int {
    val root = com.fasterxml.jackson.databind.ObjectMapper().readTree(f.toFile())
    val names = root["model"]["vocab"].fieldNames().asSequence() + root["added_tokens"].map { it["content"].asText() }
    return names.maxOf { it.toByteArray(Charsets.UTF_8).size }
}
