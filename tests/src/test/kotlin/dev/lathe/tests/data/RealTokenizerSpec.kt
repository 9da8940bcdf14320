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
})
