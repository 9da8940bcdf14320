package dev.lathe.tests.data

import com.github.ajalt.clikt.testing.test
import dev.lathe.engine.data.DataConfig
import dev.lathe.engine.data.DataException
import dev.lathe.engine.data.DataWarnings
import dev.lathe.engine.data.DatasetSpec
import dev.lathe.engine.data.Preprocessor
import dev.lathe.scripts.cli.PreprocessCommand
import dev.lathe.scripts.cli.PreprocessInputs
import dev.lathe.tests.data.DataTestSupport.jsonl
import dev.lathe.tests.data.DataTestSupport.tempDir
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files

/** GRPO rows: the prompt shapes, rendering with the chat template + generation prompt, ids, preprocess. */
class GrpoDataSpec : FunSpec({
    val tok = DataTestSupport.tokenizer(listOf("user", "assistant", "system", "Hi", "there", "Hello", "Bye", "a", "b"))
    val rows = arrayOf(
        """{"prompt":"Hi there","answer":"a"}""",
        """{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"}]}""",
        """{"conversations":[{"from":"system","value":"a b"},{"from":"human","value":"Hi there"},{"from":"gpt","value":"Bye"}],"id":3}""",
        """{"question":"Hi","answer":"b"}""",
    )
    fun config(vararg r: String, template: String? = "chatml"): DataConfig {
        val dir = tempDir()
        jsonl(dir, "d.jsonl", *r)
        return DataConfig.builder().rl("grpo").baseDir(dir).shuffleMergedDatasets(false).chatTemplate(template)
            .datasets(listOf(DatasetSpec.builder("d.jsonl").build())).build()
    }
    fun ids(vararg t: String) = t.map { tok.id(it) }

    test("each shape becomes the prompt the model sees, with ids; the row keeps every column") {
        val res = Preprocessor.run(config(*rows), tok, DataTestSupport.templates, DataWarnings())
        val p = res.promptsTrain()
        // a text prompt is tokenised with special tokens: the tokenizer's BOS comes first
        p[0].text() shouldBe "Hi there"
        p[0].ids().toList() shouldBe ids("<s>", "Hi", "there")
        // the loader unifies columns across rows, as HF datasets do: absent ones are null
        p[0].row() shouldBe mapOf("prompt" to "Hi there", "answer" to "a", "messages" to null, "conversations" to null, "id" to null, "question" to null)
        // an SFT conversation: the trailing assistant answer is dropped; chatml + generation prompt, no BOS added
        p[1].text() shouldBe "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        p[1].ids().toList() shouldBe ids("<|im_start|>", "user", "Hi", "<|im_end|>", "<|im_start|>", "assistant")
        // ShareGPT from/value with human/gpt roles
        p[2].text() shouldBe "<|im_start|>system\na b<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n"
        p[2].ids().size shouldBe 12
        p[2].row()["id"] shouldBe 3
        // a GSM8K-style question is one user message
        p[3].text() shouldBe "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        p[3].row()["answer"] shouldBe "b"
    }

    test("a text prompt that already starts with BOS gets no second one") {
        val p = Preprocessor.run(config("""{"prompt":"<s> Hi"}"""), tok, DataTestSupport.templates, DataWarnings()).promptsTrain()
        p.single().ids().toList() shouldBe ids("<s>", "Hi")
    }

    test("rows without a prompt shape, bad messages, or messages without a chat template are refused with the row") {
        fun err(row: String, template: String? = "chatml") = shouldThrow<DataException> {
            Preprocessor.run(config(row, template = template), tok, DataTestSupport.templates, DataWarnings())
        }.message!!
        err("""{"text":"Hi"}""").let { it shouldContain "d.jsonl:1"; it shouldContain "has no prompt"; it shouldContain "`messages`/`conversations`"; it shouldContain "[text]" }
        err("""{"prompt":[{"role":"user"}]}""") shouldContain "prompt[0] needs a text role and content"
        err("""{"prompt":["Hi"]}""") shouldContain "prompt[0] must be a message {role, content}, found"
        err("""{"prompt":7}""") shouldContain "'prompt' must be a text or a list of messages"
        err("""{"messages":[{"role":"assistant","content":"Hi"}]}""") shouldContain "'messages' has no user or system message"
        err("""{"question":"Hi"}""", template = "nope") shouldContain "needs a chat template, but chat_template 'nope' is not available"
    }

    test("lathe preprocess on a GRPO config: rows kept and dropped, rendered prompt-length percentiles, --debug") {
        val cmd = PreprocessCommand { PreprocessInputs(config(*rows), tok, DataTestSupport.templates) }
        val dir = tempDir()
        val yml = dir.resolve("grpo.yml").also { Files.writeString(it, "# bound by the test\n") }
        val out = cmd.test(listOf(yml.toString(), "--debug", "1")).stdout
        out shouldContain "method: grpo"
        out shouldContain "rows read: 4   kept: 4 train + 0 eval   dropped: 0   truncated: 0"
        // prompt lengths 3, 6, 12, 6 -> sorted 3 6 6 12; nearest rank p50 = 6, p90 = p99 = max = 12
        out shouldContain "prompt                   6      12      12      12"
        out shouldContain "d.jsonl:1: 3 prompt tokens [${ids("<s>", "Hi", "there").joinToString(" ")}]\nHi there\ncolumns: {prompt=Hi there, answer=a, messages=null, conversations=null, id=null, question=null}"
    }
})
