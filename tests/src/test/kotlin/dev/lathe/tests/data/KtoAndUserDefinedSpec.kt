package dev.lathe.tests.data

import dev.lathe.engine.data.DataException
import dev.lathe.tests.data.DataTestSupport.cmlPrompt
import dev.lathe.tests.data.DataTestSupport.l3Prompt
import dev.lathe.tests.data.DataTestSupport.run
import dev.lathe.tests.data.DataTestSupport.strings
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** rl: kto types (§5, §5.1) and DPO user_defined (§4.12), with the E7-E11 edge vectors. */
class KtoAndUserDefinedSpec : FunSpec({
    for ((family, prompt, end) in listOf(
        Triple("chatml", ::cmlPrompt, "<|im_end|>"),
        Triple("llama3", ::l3Prompt, "<|eot_id|>"),
    )) {
        for ((fn, col) in listOf("argilla" to "instruction", "intel" to "question", "prompt_pairs" to "prompt", "ultra" to "prompt")) {
            test("kto $family.$fn reads $col and completion; label untouched") {
                val (rows, _) = run("kto", { it.type("$family.$fn") },
                    """{"system":"Sys","$col":"Tell a joke.","completion":"Knock knock.","label":true}""",
                    """{"system":"","$col":"Insult me.","completion":"No.","label":false}""",
                )
                strings(rows[0]) shouldBe listOf(prompt("Sys", "Tell a joke."), "Knock knock.$end")
                strings(rows[1]) shouldBe listOf(prompt(null, "Insult me."), "No.$end")
                rows[0].text().label() shouldBe true
                rows[1].text().label() shouldBe false
            }
        }

        test("kto $family.argilla_chat reads completion[0] as user and completion[1] as the answer") {
            val (rows, _) = run("kto", { it.type("$family.argilla_chat") },
                """{"completion":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"}],"label":true}""",
                """{"completion":[{"role":"user","content":"Bye"},{"role":"assistant","content":"Whatever"}],"label":false}""",
            )
            strings(rows[0]) shouldBe listOf(prompt(null, "Hi"), "Hello$end")
            strings(rows[1]) shouldBe listOf(prompt(null, "Bye"), "Whatever$end")
        }
    }

    test("kto rows need a boolean label") {
        val e = shouldThrow<DataException> {
            run("kto", { it.type("chatml.intel") },
                """{"question":"q","completion":"c","label":true}""",
                """{"question":"q","completion":"c","label":"yes"}""")
        }
        e.message shouldContain "data.jsonl:2"
        e.message shouldContain "'label' must be true"
    }

    test("kto user_defined set 1: custom fields and formats") {
        val type = mapOf("field_prompt" to "q", "field_system" to "sys", "field_completion" to "a", "field_label" to "ok",
            "prompt_format" to "[SYS]{system}[/SYS] {prompt}", "completion_format" to " {completion}</s>")
        val (rows, _) = run("kto", { it.typeMapping(type) },
            """{"q":"Hi","sys":"Be nice","a":"Hello","ok":true}""",
            """{"q":"Go","sys":"  ","a":"Gone","ok":false}""")
        strings(rows[0]) shouldBe listOf("[SYS]Be nice[/SYS] Hi", " Hello</s>")
        strings(rows[1]) shouldBe listOf("[SYS]  [/SYS] Go", " Gone</s>")
        rows[1].text().label() shouldBe false
    }

    test("kto user_defined set 2: all defaults") {
        val (rows, _) = run("kto", { it.typeMapping(mapOf()) },
            """{"prompt":"p {x}","completion":"c","label":true}""",
            """{"prompt":"p2","completion":"c2","label":false}""")
        strings(rows[0]) shouldBe listOf("p {x}", "c")
        strings(rows[1]) shouldBe listOf("p2", "c2")
    }

    test("kto user_defined: {system} with a missing or empty system fails like Axolotl's KeyError (E10, E11)") {
        for (row in listOf("""{"prompt":"p","completion":"c","label":true}""",
            """{"prompt":"p","completion":"c","label":true,"system":""}""")) {
            val e = shouldThrow<DataException> {
                run("kto", { it.typeMapping(mapOf("prompt_format" to "{system}|{prompt}")) }, row)
            }
            e.message shouldContain "data.jsonl:1"
            e.message shouldContain "{system}"
        }
    }

    test("dpo user_defined set 1: custom fields; a null system renders as empty (E7)") {
        val type = mapOf("field_prompt" to "question", "field_system" to "sys", "field_chosen" to "good",
            "field_rejected" to "bad", "prompt_format" to "### System:\n{system}\n### User:\n{prompt}\n### Assistant:\n",
            "chosen_format" to "{chosen}</s>", "rejected_format" to "{rejected}</s>")
        val (rows, _) = run("dpo", { it.typeMapping(type) },
            """{"sys":"Be kind.","question":"Hi?","good":"Hello.","bad":"No."}""",
            """{"sys":null,"question":"2+2","good":"4","bad":"5"}""")
        strings(rows[0]) shouldBe listOf("### System:\nBe kind.\n### User:\nHi?\n### Assistant:\n", "Hello.</s>", "No.</s>")
        strings(rows[1]) shouldBe listOf("### System:\n\n### User:\n2+2\n### Assistant:\n", "4</s>", "5</s>")
        rows[0].columns().keys.toList() shouldBe listOf("sys", "question", "good", "bad", "prompt", "chosen", "rejected")
    }

    test("dpo user_defined set 2: defaults; braces in values are not interpreted; empty prompt_format means default") {
        for (type in listOf(mapOf(), mapOf("prompt_format" to ""))) {
            val (rows, _) = run("dpo", { it.typeMapping(type) },
                """{"prompt":"Use {braces}","chosen":"c {x}","rejected":"r"}""",
                """{"prompt":"p","chosen":"c","rejected":"}{"}""")
            strings(rows[0]) shouldBe listOf("Use {braces}", "c {x}", "r")
            strings(rows[1]) shouldBe listOf("p", "c", "}{")
        }
    }

    test("dpo user_defined: {system} with no system column gives empty text (E7)") {
        val (rows, _) = run("dpo", { it.typeMapping(mapOf("prompt_format" to "{system}|{prompt}")) },
            """{"prompt":"p","chosen":"c","rejected":"r"}""")
        strings(rows[0]) shouldBe listOf("|p", "c", "r")
    }

    test("dpo user_defined: Python str.format escapes and specs (E9)") {
        val (rows, _) = run("dpo", { it.typeMapping(mapOf("prompt_format" to "{{literal}} {prompt}", "chosen_format" to "{chosen:>5}", "rejected_format" to "{rejected:*^7}|{rejected!r}")) },
            """{"prompt":"P","chosen":"ab","rejected":"it's"}""")
        strings(rows[0]) shouldBe listOf("{literal} P", "   ab", "*it's**|\"it's\"")
    }

    test("dpo user_defined: an unknown placeholder fails naming it and the allowed ones (E8)") {
        val e = shouldThrow<DataException> {
            run("dpo", { it.typeMapping(mapOf("prompt_format" to "{instruction}: {prompt}")) },
                """{"prompt":"p","chosen":"c","rejected":"r","instruction":"i"}""")
        }
        e.message shouldContain "{instruction}"
        e.message shouldContain "[prompt]"
    }

    test("user_defined: an unknown mapping key is refused with the valid keys") {
        val e = shouldThrow<DataException> {
            run("dpo", { it.typeMapping(mapOf("field_completion" to "x")) }, """{"prompt":"p","chosen":"c","rejected":"r"}""")
        }
        e.message shouldContain "field_completion"
        e.message shouldContain "field_chosen"
    }
})
