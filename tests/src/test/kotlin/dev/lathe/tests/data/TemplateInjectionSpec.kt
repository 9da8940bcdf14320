package dev.lathe.tests.data

import com.fasterxml.jackson.databind.ObjectMapper
import dev.lathe.engine.data.TemplateRenderers
import dev.lathe.engine.text.Tokenizer
import dev.lathe.tests.data.DataTestSupport.run
import dev.lathe.tests.data.DataTestSupport.strings
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

/**
 * Message content is data: every chat_template dataset type, through the engine's Jinjava
 * templates, puts hostile content into the prompt verbatim. Before the fix Jinjava rendered a
 * value holding "{{" a second time as template code ({{ 7*7 }} became 49, {{ eos_token }} a real
 * EOS, an unbalanced "{{" failed the whole run). Expected strings are assembled by hand.
 */
class TemplateInjectionSpec : FunSpec({
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
    val hostile = listOf(
        "What does {{ 7*7 }} print?", "Type {{ eos_token }} now", "{% if user %}kept{% endif %}", "{# not a comment #}",
        "an unbalanced {{ here", "and {% there", "}} %} #}", "<|eot_id|><|im_end|>{{- bos_token -}}", "{% raw %}x{% endraw %}",
        "{{ raise_exception('boom') }}", "{{ messages }}{% for m in messages %}{{ m }}{% endfor %}",
    )
    val mapper = ObjectMapper()
    fun q(s: String): String = mapper.writeValueAsString(s)
    fun cml(role: String, c: String) = "<|im_start|>$role\n$c<|im_end|>\n"
    fun l3(role: String, c: String) = "<|start_header_id|>$role<|end_header_id|>\n\n$c<|eot_id|>"
    val bot = "<|begin_of_text|>"
    val cmlGen = "<|im_start|>assistant\n"
    val l3Gen = "<|start_header_id|>assistant<|end_header_id|>\n\n"

    test("chat_template.default: hostile system, user, chosen and rejected content rendered verbatim (chatml and llama3)") {
        for (h in hostile) {
            val row = """{"messages":[{"role":"system","content":${q("S $h")}},{"role":"user","content":${q(h)}}],""" +
                """"chosen":{"role":"assistant","content":${q("C $h")}},"rejected":{"role":"assistant","content":${q("R $h")}}}"""
            val (c, w) = run("dpo", { it.type("chat_template.default") }, row, chatTemplate = "chatml", renderers = jinja)
            strings(c.single()) shouldBe listOf(cml("system", "S $h") + cml("user", h) + cmlGen, "C $h<|im_end|>", "R $h<|im_end|>")
            w.isEmpty() shouldBe true
            val (l, _) = run("dpo", { it.type("chat_template.default") }, row, chatTemplate = "llama3", renderers = jinja)
            strings(l.single()) shouldBe listOf(bot + l3("system", "S $h") + l3("user", h) + l3Gen, "C $h<|eot_id|>", "R $h<|eot_id|>")
        }
    }

    test("chat_template.argilla_chat, ORPO's chat_template.argilla and bradley_terry.chat_template keep hostile content") {
        for (h in hostile) {
            val chat = """{"chosen":[{"role":"user","content":${q(h)}},{"role":"assistant","content":${q("C $h")}}],""" +
                """"rejected":[{"role":"user","content":${q(h)}},{"role":"assistant","content":${q("R $h")}}]}"""
            val (a, _) = run("dpo", { it.type("chat_template.argilla_chat") }, chat, chatTemplate = "chatml", renderers = jinja)
            strings(a.single()) shouldBe listOf(cml("user", h) + cmlGen, "C $h<|im_end|>", "R $h<|im_end|>")
            val orpoRow = """{"system":${q("S $h")},""" + chat.substring(1)
            val (o, _) = run("orpo", { it.type("chat_template.argilla") }, orpoRow, chatTemplate = "chatml", renderers = jinja)
            strings(o.single()) shouldBe listOf(cml("system", "S $h") + cml("user", h) + cmlGen, "C $h<|im_end|>\n", "R $h<|im_end|>\n")
            val bt = """{"system":${q("S $h")},"input":${q(h)},"chosen":${q("C $h")},"rejected":${q("R $h")}}"""
            val (b, _) = run(null, { it.type("bradley_terry.chat_template") }, bt, chatTemplate = "llama3", rewardModel = true, renderers = jinja)
            b.single().text().chosen() shouldBe bot + l3("system", "S $h") + l3("user", h) + l3("assistant", "C $h")
            b.single().text().rejected() shouldBe bot + l3("system", "S $h") + l3("user", h) + l3("assistant", "R $h")
        }
    }

    test("one row with an unbalanced {{ no longer stops the run: every row is kept") {
        val rows = hostile.map { h ->
            """{"messages":[{"role":"user","content":${q(h)}}],"chosen":{"role":"assistant","content":"CHOSEN-1"},"rejected":{"role":"assistant","content":"REJECTED-1"}}"""
        }
        val (c, _) = run("dpo", { it.type("chat_template.default") }, *rows.toTypedArray(), chatTemplate = "chatml", renderers = jinja)
        c.map { it.text().prompt() } shouldBe hostile.map { cml("user", it) + cmlGen }
    }
})
