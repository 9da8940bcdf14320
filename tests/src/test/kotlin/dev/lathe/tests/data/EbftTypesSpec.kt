package dev.lathe.tests.data

import dev.lathe.engine.data.DataConfig
import dev.lathe.engine.data.DataException
import dev.lathe.engine.data.DataWarnings
import dev.lathe.engine.data.DatasetSpec
import dev.lathe.engine.data.Preprocessor
import dev.lathe.tests.data.DataTestSupport.jsonl
import dev.lathe.tests.data.DataTestSupport.tempDir
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** Axolotl's EBFT dataset transforms (ebft-nemogym.md §A.8): prompt + ground_truth rows, input columns removed. */
class EbftTypesSpec : FunSpec({
    val tok = DataTestSupport.tokenizer(listOf("user", "assistant", "system", "Hi", "there", "Hello", "Bye", "a", "b"))
    fun run(type: String, vararg rows: String) = Preprocessor.run(
        DataConfig.builder().rl("ebft").baseDir(tempDir().also { jsonl(it, "d.jsonl", *rows) }).shuffleMergedDatasets(false)
            .chatTemplate("chatml").datasets(listOf(DatasetSpec.builder("d.jsonl").type(type).build())).build(),
        tok, DataTestSupport.templates, DataWarnings())
    val chat = """{"messages":[{"role":"system","content":"a"},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},""" +
        """{"role":"user","content":"Bye"},{"role":"assistant","content":"b there"}],"id":7}"""

    test("ebft_opencode.transform: input is the user message, output the ground truth; the input columns are gone") {
        val r = run("ebft_opencode.transform", """{"input":"Hi there","output":"Hello","id":1}""")
        val p = r.promptsTrain().single()
        p.text() shouldBe "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n"
        r.prepared().train().single().columns() shouldBe mapOf(
            "prompt" to listOf(mapOf("role" to "user", "content" to "Hi there")), "ground_truth" to "Hello")
    }

    test("ebft_strided_structured.transform: the first of input|prompt|question and of output|completion|answer") {
        val r = run("ebft_strided_structured.transform", """{"question":"Hi","answer":"b"}""", """{"question":"Hi there","answer":"a"}""")
        r.prepared().train().map { it.columns() } shouldBe listOf(
            mapOf("prompt" to "Hi", "ground_truth" to "b"), mapOf("prompt" to "Hi there", "ground_truth" to "a"))
        r.promptsTrain()[0].ids().toList() shouldBe listOf(tok.id("<s>"), tok.id("Hi")) // a text prompt: special tokens added
    }

    test("ebft_chat_multiturn.transform_last_turn: the history before the last assistant turn is the prompt") {
        val row = run("ebft_chat_multiturn.transform_last_turn", chat).prepared().train().single()
        row.columns()["ground_truth"] shouldBe "b there"
        (row.columns()["prompt"] as List<*>).size shouldBe 4
        row.columns().containsKey("id") shouldBe false
    }

    test("ebft_chat_multiturn.transform_all_turns: one row per assistant turn, each named in its origin") {
        val rows = run("ebft_chat_multiturn.transform_all_turns", chat).prepared().train()
        rows.map { it.columns()["ground_truth"] } shouldBe listOf("Hello", "b there")
        rows.map { (it.columns()["prompt"] as List<*>).size } shouldBe listOf(2, 4)
        rows[1].origin() shouldContain "(row 2 of 2)"
    }

    test("bad rows and the transforms Lathe cannot honour are errors naming the row, the type or the reason") {
        shouldThrow<DataException> { run("ebft_opencode.transform", """{"input":"Hi"}""") }.message shouldContain "output"
        shouldThrow<DataException> {
            run("ebft_chat_multiturn.transform_last_turn", """{"messages":[{"role":"user","content":"Hi"}]}""")
        }.message shouldContain "no assistant turn"
        shouldThrow<DataException> { run("ebft_chat_multiturn.transform", chat) }.message shouldContain "remaining_turns"
        shouldThrow<DataException> { run("ebft_strided_chat.transform", chat) }.message shouldContain "one prompt boundary"
        // the EBFT types exist for rl: ebft only
        shouldThrow<DataException> {
            Preprocessor.run(DataConfig.builder().rl("grpo").baseDir(tempDir().also { jsonl(it, "d.jsonl", chat) })
                .datasets(listOf(DatasetSpec.builder("d.jsonl").type("ebft_opencode.transform").build())).build(), tok, DataTestSupport.templates, DataWarnings())
        }.message shouldContain "unknown dataset type"
    }
})
