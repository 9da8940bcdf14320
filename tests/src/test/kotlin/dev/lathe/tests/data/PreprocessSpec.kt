package dev.lathe.tests.data

import dev.lathe.engine.data.DataConfig
import dev.lathe.engine.data.DataException
import dev.lathe.engine.data.DatasetSpec
import dev.lathe.engine.data.NumpyPermutation
import dev.lathe.scripts.cli.PreprocessCommand
import dev.lathe.scripts.cli.PreprocessInputs
import dev.lathe.tests.data.DataTestSupport.cmlPrompt
import dev.lathe.tests.data.DataTestSupport.jsonl
import dev.lathe.tests.data.DataTestSupport.tempDir
import com.github.ajalt.clikt.testing.test
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files

/** `lathe preprocess`: report, --dump and --debug, through the clikt command with a directly built config. */
class PreprocessSpec : FunSpec({
    val tok = DataTestSupport.tokenizer(listOf("user", "assistant", "Hi", "Hello", "Bye", "there") + ('a'..'h').map { "$it" })

    fun setup(): Pair<java.nio.file.Path, PreprocessCommand> {
        val dir = tempDir()
        jsonl(dir, "d.jsonl",
            """{"prompt":"Hi","chosen":"Hello","rejected":"Bye"}""",
            """{"prompt":"Hi there","chosen":"Hello there","rejected":"Bye"}""",
            """{"prompt":"a b c d e f g h","chosen":"a","rejected":"b"}""")
        val yml = dir.resolve("config.yml")
        Files.writeString(yml, "# bound by the test\n")
        val cfg = DataConfig.builder().rl("dpo").baseDir(dir).sequenceLen(12)
            .datasets(listOf(DatasetSpec.builder("d.jsonl").type("chatml.prompt_pairs").build())).build()
        return dir to PreprocessCommand { PreprocessInputs(cfg, tok, DataTestSupport.templates) }
    }

    test("the report counts rows and gives token-length percentiles per field") {
        val (dir, cmd) = setup()
        val out = cmd.test(listOf(dir.resolve("config.yml").toString())).stdout
        out shouldContain "rows read: 3   kept: 2 train + 0 eval   dropped: 1   truncated: 0"
        out shouldContain "dropped 1: longer than sequence_len (excess_length_strategy: drop)"
        // prompt ids (with BOS) 7 and 8; chosen 3 and 4; rejected 3 and 3; longest 10 and 12 (nearest rank)
        out shouldContain "prompt                   7       8       8       8"
        out shouldContain "chosen                   3       4       4       4"
        out shouldContain "rejected                 3       3       3       3"
        out shouldContain "longest sequence        10      12      12      12"
    }

    test("--dump writes strings and ids in dataset order after shuffling, atomically") {
        val (dir, cmd) = setup()
        val dump = dir.resolve("out.jsonl")
        val r = cmd.test(listOf(dir.resolve("config.yml").toString(), "--dump", dump.toString()))
        r.statusCode shouldBe 0
        val lines = Files.readAllLines(dump).map { DataTestSupport.mapper.readTree(it) }
        val kept = listOf("Hi", "Hi there")
        lines.map { it["prompt"].asText() } shouldBe NumpyPermutation.permutation(42, 2).map { cmlPrompt(null, kept[it]) }
        val first = lines.first { it["origin"].asText().endsWith(":1") }
        first["chosen"].asText() shouldBe "Hello<|im_end|>"
        first["chosen_ids"].map { it.asInt() } shouldBe listOf(tok.id("Hello"), tok.id("<|im_end|>"), tok.id("</s>"))
        first["prompt_ids"].first().asInt() shouldBe tok.id("<s>")
        Files.list(dir).use { s -> s.filter { it.fileName.toString().contains(".tmp-") }.count() } shouldBe 0L
    }

    test("--debug prints every token with its role and id") {
        val (dir, cmd) = setup()
        val out = cmd.test(listOf(dir.resolve("config.yml").toString(), "--debug", "2", "--no-color")).stdout
        out shouldContain "P:<s>|0 P:<|im_start|>|4 P:user|"
        out shouldContain "C:<|im_end|>|5 C:</s>|1"
        out shouldContain "R:Bye|${tok.id("Bye")}"
        // both pairs share one batch 12 tokens wide: the shorter rows end in padding
        out shouldContain "_:<pad>|2"
        out.lines().count { it.startsWith("example ") } shouldBe 2
    }

    test("a config whose dataset cannot be read names the entry") {
        val dir = tempDir()
        Files.writeString(dir.resolve("config.yml"), "#\n")
        val cfg = DataConfig.builder().rl("dpo").baseDir(dir)
            .datasets(listOf(DatasetSpec.builder("missing.jsonl").type("chatml.intel").build())).build()
        val cmd = PreprocessCommand { PreprocessInputs(cfg, tok, null) }
        shouldThrow<DataException> { cmd.test(listOf(dir.resolve("config.yml").toString())) }.message shouldContain
            "datasets[0] (path: missing.jsonl, type: chatml.intel)"
    }
})
