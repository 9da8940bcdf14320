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

/** rl: dpo chatml.* / llama3.* / zephyr.nectar strings, byte for byte, from §3-4.8 of the formats reference. */
class DpoFixedTypesSpec : FunSpec({
    val argillaRows = arrayOf(
        """{"system":"Be brief.","instruction":"Name a colour.","chosen_response":"Blue.","rejected_response":"I like turtles."}""",
        """{"system":"","instruction":"Add 2 and 2.","chosen_response":"4","rejected_response":"5"}""",
    )

    for ((family, prompt, end) in listOf(
        Triple("chatml", ::cmlPrompt, "<|im_end|>"),
        Triple("llama3", ::l3Prompt, "<|eot_id|>"),
    )) {
        test("$family (= $family.default): old argilla columns; empty system means none") {
            val (rows, _) = run("dpo", { it.type(family) }, *argillaRows)
            strings(rows[0]) shouldBe listOf(prompt("Be brief.", "Name a colour."), "Blue.$end", "I like turtles.$end")
            strings(rows[1]) shouldBe listOf(prompt(null, "Add 2 and 2."), "4$end", "5$end")
            // every original column survives
            rows[0].columns().keys.toList() shouldBe
                listOf("system", "instruction", "chosen_response", "rejected_response", "prompt", "chosen", "rejected")
        }

        test("$family.default: key precedence prompt > input > question > instruction; whitespace system is truthy (E1)") {
            val (rows, _) = run("dpo", { it.type("$family.default") },
                """{"system":"  ","prompt":"P","input":"I","question":"Q","instruction":"N","chosen":"C","chosen_response":"CR","rejected_response":"RR"}""",
                """{"system":null,"prompt":"P2","input":"I","question":"Q","instruction":"N","chosen":"C2","chosen_response":"CR","rejected_response":"RR2"}""",
            )
            strings(rows[0]) shouldBe listOf(prompt("  ", "P"), "C$end", "RR$end")
            strings(rows[1]) shouldBe listOf(prompt(null, "P2"), "C2$end", "RR2$end")
        }

        test("$family.intel / icr / prompt_pairs read question / input / prompt") {
            for ((fn, col) in listOf("intel" to "question", "icr" to "input", "prompt_pairs" to "prompt")) {
                val (rows, _) = run("dpo", { it.type("$family.$fn") },
                    """{"system":"You are helpful.","$col":"Why is the sky blue?","chosen":"Rayleigh scattering.","rejected":"Paint."}""",
                    """{"system":null,"$col":"Line one\nline two","chosen":" spaced ","rejected":"x\n"}""",
                )
                strings(rows[0]) shouldBe
                    listOf(prompt("You are helpful.", "Why is the sky blue?"), "Rayleigh scattering.$end", "Paint.$end")
                strings(rows[1]) shouldBe listOf(prompt(null, "Line one\nline two"), " spaced $end", "x\n$end")
            }
        }

        test("$family.ultra: user text from prompt, responses are element [1] of the lists") {
            val (rows, _) = run("dpo", { it.type("$family.ultra") },
                """{"system":"S","prompt":"Hi","chosen":[{"role":"user","content":"ignored"},{"role":"assistant","content":"Hello!"}],"rejected":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Go away."}]}""",
                """{"system":"","prompt":"2+2?","chosen":[{"role":"user","content":"2+2?"},{"role":"assistant","content":"4"}],"rejected":[{"role":"user","content":"2+2?"},{"role":"assistant","content":"22"}]}""",
            )
            strings(rows[0]) shouldBe listOf(prompt("S", "Hi"), "Hello!$end", "Go away.$end")
            strings(rows[1]) shouldBe listOf(prompt(null, "2+2?"), "4$end", "22$end")
        }

        test("$family.argilla_chat: first exchange only, system ignored; longer conversations warn (quirk 7)") {
            val (rows, w) = run("dpo", { it.type("$family.argilla_chat") },
                """{"system":"ignored","chosen":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}],"rejected":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Go away."}]}""",
                """{"system":"ignored","chosen":[{"role":"user","content":"A"},{"role":"assistant","content":"B"},{"role":"user","content":"C"},{"role":"assistant","content":"D"}],"rejected":[{"role":"user","content":"A"},{"role":"assistant","content":"X"}]}""",
            )
            strings(rows[0]) shouldBe listOf(prompt(null, "Hi"), "Hello!$end", "Go away.$end")
            strings(rows[1]) shouldBe listOf(prompt(null, "A"), "B$end", "X$end")
            w.count("$family.argilla_chat: conversations longer") shouldBe 1
        }

        test("$family.argilla_chat: a leading system message is used as the user text, with a warning (E21)") {
            val (rows, w) = run("dpo", { it.type("$family.argilla_chat") },
                """{"chosen":[{"role":"system","content":"Sys"},{"role":"assistant","content":"A"}],"rejected":[{"role":"system","content":"Sys"},{"role":"assistant","content":"B"}]}""",
                """{"chosen":[{"role":"user","content":"U"},{"role":"assistant","content":"A2"}],"rejected":[{"role":"user","content":"U"},{"role":"assistant","content":"B2"}]}""",
            )
            strings(rows[0]) shouldBe listOf(prompt(null, "Sys"), "A$end", "B$end")
            strings(rows[1]) shouldBe listOf(prompt(null, "U"), "A2$end", "B2$end")
            w.count("$family.argilla_chat: chosen[0] has role 'system'") shouldBe 1
        }

        test("$family.argilla is accepted as an alias of $family.default, with a warning (E3)") {
            val (rows, w) = run("dpo", { it.type("$family.argilla") }, *argillaRows)
            strings(rows[1]) shouldBe listOf(prompt(null, "Add 2 and 2."), "4$end", "5$end")
            w.summary().single() shouldContain "renamed to $family.default"
        }
    }

    test("a row lacking a needed field names the row, the type, the expected and the found fields (E2)") {
        val e = shouldThrow<DataException> {
            run("dpo", { it.type("chatml") },
                """{"chosen":"a","rejected":"b","context":"c"}""")
        }
        e.message shouldContain "data.jsonl:1"
        e.message shouldContain "type chatml.default"
        e.message shouldContain "'instruction'"
        e.message shouldContain "expected fields: system?, prompt|input|question|instruction"
        e.message shouldContain "found: [chosen, rejected, context]"
    }

    test("a null in an existing prompt column is refused instead of rendering 'None' (quirk 10)") {
        val e = shouldThrow<DataException> {
            run("dpo", { it.type("chatml.default") },
                """{"prompt":"p","chosen":"a","rejected":"b"}""",
                """{"question":"q","chosen":"a","rejected":"b"}""")
        }
        e.message shouldContain "data.jsonl:2"
        e.message shouldContain "field 'prompt' is null"
    }

    test("non-string scalars print as Python's str(): True, 1.0, 3") {
        val (rows, _) = run("dpo", { it.type("chatml.prompt_pairs") },
            """{"prompt":3,"chosen":true,"rejected":1.0}""",
            """{"prompt":"x","chosen":false,"rejected":2.5e-7}""",
        )
        strings(rows[0]) shouldBe listOf(cmlPrompt(null, "3"), "True<|im_end|>", "1.0<|im_end|>")
        strings(rows[1]) shouldBe listOf(cmlPrompt(null, "x"), "False<|im_end|>", "2.5e-07<|im_end|>")
    }

    test("zephyr.nectar: largest rank is chosen, second largest rejected; empty system block always; warns") {
        val (rows, w) = run("dpo", { it.type("zephyr.nectar") },
            """{"prompt":"Q","system":"ignored","answers":[{"answer":"a1","rank":1},{"answer":"a3","rank":3},{"answer":"a2","rank":2}]}""",
            """{"prompt":"Ties?","system":null,"answers":[{"answer":"x","rank":2},{"answer":"y","rank":1},{"answer":"z","rank":2.0}]}""",
        )
        strings(rows[0]) shouldBe listOf("<|system|>\n</s>\n<|user|>\nQ</s>\n<|assistant|>\n", "a3", "a2")
        // E20: stable sort, so the tie keeps input order: y(1), x(2), z(2) -> chosen z, rejected x
        strings(rows[1]) shouldBe listOf("<|system|>\n</s>\n<|user|>\nTies?</s>\n<|assistant|>\n", "z", "x")
        rows[0].columns().keys.toList() shouldBe listOf("prompt", "system", "answers", "chosen", "rejected")
        w.summary().single() shouldContain "LARGEST rank"
    }

    test("zephyr.nectar with fewer than 2 answers fails naming the row (E19)") {
        val e = shouldThrow<DataException> {
            run("dpo", { it.type("zephyr.nectar") },
                """{"prompt":"Q","answers":[{"answer":"a","rank":1},{"answer":"b","rank":2}]}""",
                """{"prompt":"Q","answers":[{"answer":"only","rank":1}]}""")
        }
        e.message shouldContain "data.jsonl:2"
        e.message shouldContain "at least 2"
    }

    test("passthrough and no type keep rows unchanged") {
        for (type in listOf("passthrough", "passthrough.default", null)) {
            val (rows, _) = run("dpo", { it.type(type) },
                """{"prompt":"p1","chosen":"c1","rejected":"r1","extra":1}""",
                """{"prompt":"p2","chosen":"c2","rejected":"r2","extra":2}""")
            strings(rows[0]) shouldBe listOf("p1", "c1", "r1")
            strings(rows[1]) shouldBe listOf("p2", "c2", "r2")
            rows[1].columns()["extra"] shouldBe 2L
        }
    }

    test("passthrough with conversational rows is refused with a hint (Axolotl fails in its length filter)") {
        val e = shouldThrow<DataException> {
            run("dpo", { it.type("passthrough") },
                """{"prompt":[{"role":"user","content":"Hi"}],"chosen":"c","rejected":"r"}""")
        }
        e.message shouldContain "data.jsonl:1"
        e.message shouldContain "conversation"
    }

    test("an empty or blank response is refused naming the row, not wrapped into a lone end-of-turn marker") {
        for ((type, row, what) in listOf(
            Triple("chatml.intel", """{"question":"Q","chosen":"","rejected":"b"}""", "the chosen response is empty"),
            Triple("llama3.prompt_pairs", """{"prompt":"Q","chosen":"a","rejected":"  \n"}""", "the rejected response is only whitespace"),
            Triple("chatml.ultra", """{"prompt":"Q","chosen":[{"role":"user","content":"Q"},{"role":"assistant","content":""}],"rejected":[{"role":"user","content":"Q"},{"role":"assistant","content":"b"}]}""", "the chosen response is empty"),
        )) {
            val e = shouldThrow<DataException> { run("dpo", { it.type(type) }, row) }
            e.message shouldContain "data.jsonl:1"
            e.message shouldContain what
        }
        shouldThrow<DataException> { run("kto", { it.type("chatml.intel") }, """{"question":"Q","completion":"","label":true}""") }
            .message!! shouldContain "the completion response is empty"
    }
})
