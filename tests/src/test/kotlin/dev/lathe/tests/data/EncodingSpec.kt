package dev.lathe.tests.data

import dev.lathe.engine.data.DataConfig
import dev.lathe.engine.data.DataException
import dev.lathe.engine.data.DataWarnings
import dev.lathe.engine.data.DatasetSpec
import dev.lathe.engine.data.EncodedExample
import dev.lathe.engine.data.Preprocessor
import dev.lathe.tests.data.DataTestSupport.jsonl
import dev.lathe.tests.data.DataTestSupport.tempDir
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** Strings -> ids with masks (§9 made exact): BOS/EOS once, shared prompt tokens, sequence_len handling. */
class EncodingSpec : FunSpec({
    val words = listOf("user", "assistant", "system", "Hi", "Hello", "Bye", "there", "say", "ab", "cd", "abcd", "ef") +
        ('a'..'h').map { it.toString() }
    val tok = DataTestSupport.tokenizer(words)
    fun id(t: String) = tok.id(t)
    fun ids(vararg t: String) = t.map { id(it) }.toIntArray()

    fun run(rl: String, vararg rows: String, type: String? = null, seqLen: Int = 512, strategy: String? = null,
        tokenizer: TestTokenizer = tok): Preprocessor.Result {
        val dir = tempDir()
        jsonl(dir, "d.jsonl", *rows)
        val cfg = DataConfig.builder().rl(rl).baseDir(dir).datasets(listOf(DatasetSpec.builder("d.jsonl").type(type).build()))
            .shuffleMergedDatasets(false).sequenceLen(seqLen).excessLengthStrategy(strategy).build()
        return Preprocessor.run(cfg, tokenizer, DataTestSupport.templates, DataWarnings())
    }

    fun EncodedExample.lists() = listOf(prompt().toList(), chosen().toList(), rejected().toList())

    test("dpo chatml: BOS once from the tokenizer, EOS appended once, prompt tokens shared by chosen and rejected") {
        val r = run("dpo", """{"prompt":"Hi","chosen":"Hello","rejected":"Bye there"}""",
            """{"prompt":"Bye","chosen":"Hi","rejected":"Hello"}""", type = "chatml.prompt_pairs")
        val p = ids("<s>", "<|im_start|>", "user", "Hi", "<|im_end|>", "<|im_start|>", "assistant")
        r.train[0].lists() shouldBe listOf(p.toList(), ids("Hello", "<|im_end|>", "</s>").toList(),
            ids("Bye", "there", "<|im_end|>", "</s>").toList())
        r.train[1].rejected().toList() shouldBe ids("Hello", "<|im_end|>", "</s>").toList()
    }

    test("a doubled BOS (template BOS + tokenizer BOS) is removed and counted; a doubled EOS too") {
        val r = run("dpo", """{"prompt":"<s> Hi","chosen":" Hello</s></s>","rejected":" Bye</s>"}""",
            """{"prompt":"Hi","chosen":" Hello","rejected":" Bye"}""")
        r.train[0].lists() shouldBe listOf(ids("<s>", "Hi").toList(), ids("Hello", "</s>").toList(), ids("Bye", "</s>").toList())
        r.train[1].lists() shouldBe listOf(ids("<s>", "Hi").toList(), ids("Hello", "</s>").toList(), ids("Bye", "</s>").toList())
        r.report.fixes().values.sum() shouldBe 2L
        r.report.fixes().keys.joinToString() shouldContain "doubled BOS"
        r.report.fixes().keys.joinToString() shouldContain "doubled EOS"
    }

    test("a merge across the prompt/completion boundary keeps the prompt tokens and tokenizes the completion alone") {
        // "say ab" + "cd" tokenizes jointly as [say, abcd]: the prompt's own tokens are kept for both sides
        val r = run("dpo", """{"prompt":"say ab","chosen":"cd","rejected":" ef"}""")
        r.train[0].lists() shouldBe listOf(ids("<s>", "say", "ab").toList(), ids("cd", "</s>").toList(), ids("ef", "</s>").toList())
        r.report.fixes().values.sum() shouldBe 1L
    }

    test("orpo: special tokens added as ids (BOS prepended, EOS appended) with a tokenizer that adds none") {
        val noBos = DataTestSupport.tokenizer(words, addBos = false)
        val r = run("orpo", """{"prompt":"Hi","chosen":" Hello","rejected":" Bye"}""",
            """{"prompt":"<s> Hi","chosen":" Hello</s>","rejected":" Bye"}""", tokenizer = noBos)
        r.train[0].lists() shouldBe listOf(ids("<s>", "Hi").toList(), ids("Hello", "</s>").toList(), ids("Bye", "</s>").toList())
        r.train[1].lists() shouldBe listOf(ids("<s>", "Hi").toList(), ids("Hello", "</s>").toList(), ids("Bye", "</s>").toList())
    }

    test("kto: prompt + completion with label") {
        val r = run("kto", """{"prompt":"Hi","completion":" Hello","label":true}""", """{"prompt":"Hi","completion":" Bye","label":false}""")
        r.train.map { listOf(it.prompt().toList(), it.completion().toList(), it.text().label()) } shouldBe listOf(
            listOf(ids("<s>", "Hi").toList(), ids("Hello", "</s>").toList(), true),
            listOf(ids("<s>", "Hi").toList(), ids("Bye", "</s>").toList(), false))
    }

    val lengthRows = arrayOf(
        """{"prompt":"a b c","chosen":" d e","rejected":" f"}""",      // 3+2 <= 6: kept; 4+3 ids > 6: cut to fit
        """{"prompt":"a b c d","chosen":" e f g","rejected":" h"}""",  // 4+3 > 6: over
        """{"prompt":"a b c d e f","chosen":" g","rejected":" h"}""",  // prompt alone fills 6
        """{"prompt":"a b c d e","chosen":" f","rejected":" g"}""",    // 5+1 <= 6 kept; BOS makes the prompt 6: no room
    )

    test("excess_length_strategy drop (default): Axolotl's filter, then keep_start truncation; empty completions dropped") {
        val r = run("dpo", *lengthRows, seqLen = 6)
        r.train.map { it.row().origin().substringAfterLast(':') } shouldBe listOf("1")
        r.train[0].lists() shouldBe listOf(ids("<s>", "a", "b", "c").toList(), ids("d", "e").toList(), ids("f", "</s>").toList())
        r.report.dropped().values.sum() shouldBe 3L
        r.report.dropped().keys.joinToString() shouldContain "completion empty after truncation"
        r.report.truncated() shouldBe 1L
        r.report.fixes() shouldBe emptyMap()
    }

    test("excess_length_strategy truncate: completions cut to sequence_len - prompt and decoded back") {
        val r = run("dpo", *lengthRows, seqLen = 6, strategy = "truncate")
        r.train.map { it.row().origin().substringAfterLast(':') } shouldBe listOf("1", "2")
        r.train[1].text().chosen() shouldBe "e f"
        // the decoded "e f" lost its leading space, so "a b c d" + "e f" merges "de": completion tokenized alone
        r.report.fixes().values.sum() shouldBe 1L
        r.train[1].lists() shouldBe listOf(ids("<s>", "a", "b", "c", "d").toList(), ids("e").toList(), ids("h").toList())
        r.report.dropped().keys.joinToString() shouldContain "prompt alone fills sequence_len"
    }

    test("excess_length_strategy raise names the row and the lengths") {
        val e = shouldThrow<DataException> { run("dpo", *lengthRows, seqLen = 6, strategy = "raise") }
        e.message shouldContain "d.jsonl:2"
        e.message shouldContain "sequence_len 6"
        shouldThrow<DataException> { run("dpo", *lengthRows, strategy = "chop") }.message shouldContain "drop, truncate, raise"
    }

    test("empty prompt/chosen/rejected is refused as Axolotl's length step refuses it") {
        shouldThrow<DataException> { run("dpo", """{"prompt":"Hi","chosen":"","rejected":"x"}""") }.message shouldContain "'chosen' is empty"
    }
})
