package dev.lathe.tests.data

import dev.lathe.engine.data.DataException
import dev.lathe.engine.data.TemplateRenderers
import dev.lathe.engine.text.Tokenizer
import dev.lathe.tests.data.DataTestSupport.run
import dev.lathe.tests.data.DataTestSupport.strings
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** The chat-template types through the engine's Jinjava templates (dev.lathe.engine.text), same vectors. */
class JinjavaTemplatesSpec : FunSpec({
    // rendering needs only the special-token strings
    val tok = object : Tokenizer {
        override fun encode(text: String, addSpecialTokens: Boolean) = IntArray(0)
        override fun decode(ids: IntArray, skipSpecialTokens: Boolean) = ""
        override fun tokenToId(token: String) = -1
        override fun vocabSize() = 0
        override fun bosToken() = "<|begin_of_text|>"
        override fun eosToken() = "<|eot_id|>"
        override fun padToken(): String? = null
        override fun addBosToken() = true
        override fun specialTokens() = listOf<String>()
        override fun chatTemplate(): String? = null
    }
    val jinja = TemplateRenderers.of(tok)
    fun cml(role: String, c: String) = "<|im_start|>$role\n$c<|im_end|>\n"
    fun l3(role: String, c: String) = "<|start_header_id|>$role<|end_header_id|>\n\n$c<|eot_id|>"
    val row = """{"messages":[{"role":"system","content":"Sys"},{"role":"user","content":"Hi"}],"chosen":{"role":"assistant","content":"Hello"},"rejected":{"role":"assistant","content":"Bye"}}"""
    val orpoRow = """{"system":"Sys","chosen":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"}],"rejected":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Bye"}]}"""

    test("dpo chat_template.default renders the same strings with the Jinjava chatml and llama3 templates") {
        val (c, _) = run("dpo", { it.type("chat_template.default") }, row, chatTemplate = "chatml", renderers = jinja)
        strings(c[0]) shouldBe listOf(cml("system", "Sys") + cml("user", "Hi") + "<|im_start|>assistant\n", "Hello<|im_end|>", "Bye<|im_end|>")
        val (l, _) = run("dpo", { it.type("chat_template.default") }, row, chatTemplate = "llama3", renderers = jinja)
        strings(l[0]) shouldBe listOf("<|begin_of_text|>" + l3("system", "Sys") + l3("user", "Hi") +
            "<|start_header_id|>assistant<|end_header_id|>\n\n", "Hello<|eot_id|>", "Bye<|eot_id|>")
    }

    test("orpo and bradley-terry with the Jinjava templates") {
        val (o, _) = run("orpo", { it.type("chat_template.argilla") }, orpoRow, chatTemplate = "chatml", renderers = jinja)
        strings(o[0]) shouldBe listOf(cml("system", "Sys") + cml("user", "Hi") + "<|im_start|>assistant\n", "Hello<|im_end|>\n", "Bye<|im_end|>\n")
        val (b, _) = run(null, { it.type("bradley_terry.chat_template") }, """{"system":"","input":"Q","chosen":"A","rejected":"B"}""",
            chatTemplate = "llama3", rewardModel = true, renderers = jinja)
        b[0].text().chosen() shouldBe "<|begin_of_text|>" + l3("system", "") + l3("user", "Q") + l3("assistant", "A")
    }

    test("tokenizer_default without a tokenizer template fails naming the entry") {
        val e = shouldThrow<DataException> { run("dpo", { it.type("chat_template.default") }, row, renderers = jinja) }
        e.message shouldContain "datasets[0]"
        e.message shouldContain "tokenizer_default"
    }
})
