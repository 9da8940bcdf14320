package dev.lathe.tests.cli

import dev.lathe.scripts.host.Brackets
import dev.lathe.scripts.host.Repl
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

class ReplSpec : StringSpec({
    fun drive(input: String): Triple<String, String, Int> {
        val out = Buffer()
        val err = Buffer()
        val failures = Repl(out.stream, err.stream).loop(input.trimIndent().reader().buffered(), interactive = false)
        return Triple(out.toString(), err.toString(), failures)
    }

    "state carries between lines and tensor ops work" {
        val (out, err, failures) = drive("""
            val x = tensor(1f, 2f)
            x.sum().item()
            val y = x * 3
            (y matmul y).item()
        """)
        err shouldBe ""
        failures shouldBe 0
        // 3 + 6^2... : y = [3, 6], y.y = 9 + 36 = 45
        out.lines() shouldBe listOf("3.0", "45.0", "")
    }

    "compile errors and exceptions are reported and leave the session alive" {
        val (out, err, failures) = drive("""
            val a = 20
            val b: Int = "text"
            error("boom")
            fun twice(n: Int) =
                n * 2
            twice(a) + 2
        """)
        failures shouldBe 2
        err shouldContain "stdin:2:14: error:"
        err shouldContain "Exception in stdin:3: boom"
        out.lines() shouldBe listOf("42", "")
    }

    "an unfinished snippet at the end of input is an error" {
        val (_, err, failures) = drive("val f = listOf(1,\n")
        failures shouldBe 1
        err shouldContain "unfinished"
    }

    "bracket counting ignores strings and comments" {
        Brackets.open("foo(\"(\", '{') // (") shouldBe 0
        Brackets.open("listOf(1, /* ) */ 2") shouldBe 1
        Brackets.open("\"\"\"{\"\"\" + f({") shouldBe 2
    }
})
