package dev.lathe.tests.data

import dev.lathe.engine.data.DataException
import dev.lathe.tests.data.DataTestSupport.run
import dev.lathe.tests.data.DataTestSupport.strings
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** chat_template.default / argilla_chat (DPO), chat_template.argilla (ORPO), bradley_terry.chat_template (§4.9-7). */
class ChatTemplateTypesSpec : FunSpec({
    val bot = "<|begin_of_text|>"
    fun l3(role: String, c: String) = "<|start_header_id|>$role<|end_header_id|>\n\n$c<|eot_id|>"
    val l3Gen = "<|start_header_id|>assistant<|end_header_id|>\n\n"
    fun cml(role: String, c: String) = "<|im_start|>$role\n$c<|im_end|>\n"
    val cmlGen = "<|im_start|>assistant\n"

    val defaultRows = arrayOf(
        """{"messages":[{"role":"system","content":"Sys"},{"role":"user","content":"Hi"}],"chosen":{"role":"assistant","content":"Hello"},"rejected":{"role":"assistant","content":"Bye"},"id":1}""",
        """{"messages":"What?","chosen":"Yes","rejected":[{"role":"user","content":"x"},{"role":"assistant","content":"No  "}],"id":2}""",
    )

    test("dpo chat_template.default with chatml: history prompt, responses cut at the content and right-stripped") {
        val (rows, _) = run("dpo", { it.type("chat_template.default") }, *defaultRows, chatTemplate = "chatml")
        strings(rows[0]) shouldBe listOf(cml("system", "Sys") + cml("user", "Hi") + cmlGen, "Hello<|im_end|>", "Bye<|im_end|>")
        // E15: whitespace inside content survives before the end marker
        strings(rows[1]) shouldBe listOf(cml("user", "What?") + cmlGen, "Yes<|im_end|>", "No  <|im_end|>")
        rows[0].columns().keys.toList() shouldBe listOf("chosen", "rejected", "id", "prompt")
    }

    test("bare chat_template = chat_template.default, with llama3 (BOS in the prompt, content trimmed)") {
        val (rows, _) = run("dpo", { it.type("chat_template") }, defaultRows[0],
            """{"messages":" What? ","chosen":"Yes","rejected":[{"role":"assistant","content":"No"}]}""", chatTemplate = "llama3")
        strings(rows[0]) shouldBe listOf(bot + l3("system", "Sys") + l3("user", "Hi") + l3Gen, "Hello<|eot_id|>", "Bye<|eot_id|>")
        strings(rows[1]) shouldBe listOf(bot + l3("user", "What?") + l3Gen, "Yes<|eot_id|>", "No<|eot_id|>")
    }

    test("chat_template.default: custom fields, property mappings and roles") {
        val (rows, _) = run("dpo", {
            it.type("chat_template.default").fieldMessages("conversation").fieldChosen("better").fieldRejected("worse")
                .messagePropertyMappings(mapOf("role" to "from", "content" to "value"))
                .roles(mapOf("user" to listOf("human"), "assistant" to listOf("gpt")))
        },
            """{"conversation":[{"from":"human","value":"Hi"}],"better":{"from":"gpt","value":"Hello"},"worse":{"from":"gpt","value":"Bye"}}""",
            """{"conversation":[{"from":"human","value":"A"},{"from":"gpt","value":"B"},{"from":"human","value":"C"}],"better":{"from":"gpt","value":"D"},"worse":{"from":"gpt","value":"E"}}""",
            chatTemplate = "chatml")
        strings(rows[0]) shouldBe listOf(cml("user", "Hi") + cmlGen, "Hello<|im_end|>", "Bye<|im_end|>")
        strings(rows[1]) shouldBe listOf(cml("user", "A") + cml("assistant", "B") + cml("user", "C") + cmlGen, "D<|im_end|>", "E<|im_end|>")
        rows[0].columns().keys.toList() shouldBe listOf("better", "worse", "prompt", "chosen", "rejected")
    }

    test("chat_template.default: default roles are identity only, 'human' is refused (E12)") {
        val e = shouldThrow<DataException> {
            run("dpo", { it.type("chat_template.default") },
                """{"messages":[{"role":"human","content":"Hi"}],"chosen":"a","rejected":"b"}""", chatTemplate = "chatml")
        }
        e.message shouldContain "role 'human'"
        e.message shouldContain "data.jsonl:1"
    }

    test("chat_template.default: garbage cases Axolotl passes silently are refused (E13, E14, E16)") {
        val cases = listOf(
            Triple("chatml", """{"messages":"Q","chosen":"","rejected":"b"}""", "empty content"),
            Triple("chatml", """{"messages":"Q","chosen":"user","rejected":"b"}""", "also occurs"),
            Triple("chatml", """{"messages":"Q","chosen":"er","rejected":"b"}""", "also occurs"),
            Triple("chatml", """{"messages":"Q","chosen":"assistant","rejected":"b"}""", "also occurs"),
            Triple("llama3", """{"messages":"Q","chosen":" padded ","rejected":"b"}""", "changed the content"),
        )
        for ((tpl, row, msg) in cases) {
            val e = shouldThrow<DataException> { run("dpo", { it.type("chat_template.default") }, row, chatTemplate = tpl) }
            e.message shouldContain msg
        }
    }

    test("chat_template.argilla_chat: whole history from chosen; warns when rejected's history differs") {
        val rows = arrayOf(
            """{"chosen":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},{"role":"user","content":"More"},{"role":"assistant","content":"Sure"}],"rejected":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},{"role":"user","content":"More"},{"role":"assistant","content":"No"}]}""",
            """{"chosen":[{"role":"system","content":"S"},{"role":"user","content":"Q"},{"role":"assistant","content":"A"}],"rejected":[{"role":"user","content":"other"},{"role":"assistant","content":"B"}]}""",
        )
        val (out, w) = run("dpo", { it.type("chat_template.argilla_chat") }, *rows, chatTemplate = "chatml")
        strings(out[0]) shouldBe listOf(cml("user", "Hi") + cml("assistant", "Hello") + cml("user", "More") + cmlGen, "Sure<|im_end|>", "No<|im_end|>")
        strings(out[1]) shouldBe listOf(cml("system", "S") + cml("user", "Q") + cmlGen, "A<|im_end|>", "B<|im_end|>")
        w.count("chat_template.argilla_chat: the history") shouldBe 1
        val (l3rows, _) = run("dpo", { it.type("chat_template.argilla_chat") }, *rows, chatTemplate = "llama3")
        strings(l3rows[1]) shouldBe listOf(bot + l3("system", "S") + l3("user", "Q") + l3Gen, "A<|eot_id|>", "B<|eot_id|>")
    }

    test("orpo chat_template.argilla: character slice keeps the trailing newline; system if truthy") {
        val rows = arrayOf(
            """{"system":"Sys","chosen":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"}],"rejected":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Bye"}]}""",
            """{"system":"","chosen":[{"role":"user","content":"A"},{"role":"assistant","content":"B"},{"role":"user","content":"C"},{"role":"assistant","content":"D"}],"rejected":[{"role":"user","content":"A"},{"role":"assistant","content":"B"},{"role":"user","content":"C"},{"role":"assistant","content":"E"}]}""",
        )
        val (out, _) = run("orpo", { it.type("chat_template.argilla") }, *rows, chatTemplate = "chatml")
        strings(out[0]) shouldBe listOf(cml("system", "Sys") + cml("user", "Hi") + cmlGen, "Hello<|im_end|>\n", "Bye<|im_end|>\n")
        strings(out[1]) shouldBe listOf(cml("user", "A") + cml("assistant", "B") + cml("user", "C") + cmlGen, "D<|im_end|>\n", "E<|im_end|>\n")
        val (l3out, _) = run("orpo", { it.type("chat_template.argilla") }, *rows, chatTemplate = "llama3")
        strings(l3out[0]) shouldBe listOf(bot + l3("system", "Sys") + l3("user", "Hi") + l3Gen, "Hello<|eot_id|>", "Bye<|eot_id|>")
    }

    test("orpo chat_template.argilla: a prompt column overrides every user turn") {
        val (out, _) = run("orpo", { it.type("chat_template.argilla") },
            """{"prompt":"P","chosen":[{"role":"user","content":"A"},{"role":"assistant","content":"B"},{"role":"user","content":"C"},{"role":"assistant","content":"D"}],"rejected":[{"role":"user","content":"A"},{"role":"assistant","content":"B"},{"role":"user","content":"C"},{"role":"assistant","content":"E"}]}""",
            """{"prompt":"Q","chosen":[{"role":"user","content":"x"},{"role":"assistant","content":"y"}],"rejected":[{"role":"user","content":"x"},{"role":"assistant","content":"z"}]}""",
            chatTemplate = "chatml")
        strings(out[0]) shouldBe listOf(cml("user", "P") + cml("assistant", "B") + cml("user", "P") + cmlGen, "D<|im_end|>\n", "E<|im_end|>\n")
        strings(out[1]) shouldBe listOf(cml("user", "Q") + cmlGen, "y<|im_end|>\n", "z<|im_end|>\n")
    }

    test("orpo: odd turn count fails (E17); roles are ignored with a warning (E18)") {
        val e = shouldThrow<DataException> {
            run("orpo", { it.type("chat_template.argilla") },
                """{"chosen":[{"role":"user","content":"A"}],"rejected":[{"role":"user","content":"A"}]}""", chatTemplate = "chatml")
        }
        e.message shouldContain "even number"
        val (out, w) = run("orpo", { it.type("chat_template.argilla") },
            """{"chosen":[{"role":"assistant","content":"A"},{"role":"user","content":"B"}],"rejected":[{"role":"assistant","content":"A"},{"role":"user","content":"C"}]}""",
            chatTemplate = "chatml")
        strings(out[0]) shouldBe listOf(cml("user", "A") + cmlGen, "B<|im_end|>\n", "C<|im_end|>\n")
        w.count("chat_template.argilla (ORPO): roles in the lists are ignored") shouldBe 2
    }

    test("bradley_terry.chat_template: system always rendered, \"\" gives an empty system turn with a warning") {
        val rows = arrayOf(
            """{"system":"Sys","input":"Hi","chosen":"Hello","rejected":"Bye"}""",
            """{"system":"","input":"Q","chosen":"A","rejected":"B"}""",
        )
        val (out, w) = run(null, { it.type("bradley_terry.chat_template") }, *rows, chatTemplate = "chatml", rewardModel = true)
        out[0].text().chosen() shouldBe cml("system", "Sys") + cml("user", "Hi") + cml("assistant", "Hello")
        out[0].text().rejected() shouldBe cml("system", "Sys") + cml("user", "Hi") + cml("assistant", "Bye")
        out[1].text().chosen() shouldBe cml("system", "") + cml("user", "Q") + cml("assistant", "A")
        out[1].columns().keys.toList() shouldBe listOf("chosen", "rejected")
        w.count("bradley_terry.chat_template: system \"\"") shouldBe 1
        val (l3out, _) = run(null, { it.type("bradley_terry.chat_template").chatTemplate("llama3") }, *rows,
            chatTemplate = "chatml", rewardModel = true)
        l3out[1].text().rejected() shouldBe bot + l3("system", "") + l3("user", "Q") + l3("assistant", "B")
    }

    test("bradley_terry.chat_template: a missing or null system fails (the docs call it optional; it is not)") {
        for (row in listOf("""{"input":"Q","chosen":"A","rejected":"B"}""", """{"system":null,"input":"Q","chosen":"A","rejected":"B"}""")) {
            val e = shouldThrow<DataException> {
                run(null, { it.type("bradley_terry.chat_template") }, row, chatTemplate = "chatml", rewardModel = true)
            }
            e.message shouldContain "system"
        }
    }

    test("role order: the history must end with a user turn and responses must be assistant turns; odd orders are counted") {
        fun refused(vararg rows: String) = shouldThrow<DataException> {
            run("dpo", { it.type("chat_template.default") }, *rows, chatTemplate = "chatml")
        }.message!!
        refused("""{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"}],"chosen":"Sure","rejected":"Nope"}""").let {
            it shouldContain "data.jsonl:1"
            it shouldContain "ends with a 'assistant' turn at [1]"
        }
        refused("""{"messages":[],"chosen":"Sure","rejected":"Nope"}""") shouldContain "holds no messages"
        refused("""{"messages":[{"role":"system","content":"S"}],"chosen":"Sure","rejected":"Nope"}""") shouldContain "ends with a 'system' turn"
        refused("""{"messages":"Hi","chosen":{"role":"user","content":"Sure"},"rejected":"Nope"}""").let {
            it shouldContain "the response in 'chosen' has role 'user'"
        }
        shouldThrow<DataException> {
            run("dpo", { it.type("chat_template.argilla_chat") },
                """{"chosen":[{"role":"user","content":"Q"},{"role":"user","content":"a"}],"rejected":[{"role":"user","content":"Q"},{"role":"assistant","content":"b"}]}""",
                chatTemplate = "chatml")
        }.message!! shouldContain "the response in 'chosen[-1]' has role 'user'"
        // renderable but unusual: kept, and each kind counted once per row
        val (rows, w) = run("dpo", { it.type("chat_template.default") },
            """{"messages":[{"role":"user","content":"A"},{"role":"user","content":"B"}],"chosen":"Sure","rejected":"Nope"}""",
            """{"messages":[{"role":"user","content":"A"},{"role":"assistant","content":"B"},{"role":"system","content":"S"},{"role":"user","content":"C"}],"chosen":"Sure","rejected":"Nope"}""",
            chatTemplate = "chatml")
        rows.size shouldBe 2
        w.count("chat_template.default: roles do not alternate") shouldBe 1
        w.count("chat_template.default: a system message after the first turn") shouldBe 1
    }
})
