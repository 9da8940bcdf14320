package dev.lathe.tests.cli

import dev.lathe.scripts.host.ScriptHost
import io.kotest.core.spec.style.StringSpec
import io.kotest.engine.spec.tempdir
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.kotest.matchers.string.shouldStartWith
import java.io.File

class ScriptHostSpec : StringSpec({
    val dir = tempdir()
    val cache = File(dir, "cache")
    val err = Buffer()
    val host = ScriptHost(cache, err.stream)

    fun script(name: String, text: String) = File(dir, name).apply { writeText(text.trimIndent() + "\n") }

    "a script sees the engine, the sugar and its args" {
        val f = script("tiny.main.kts", """
            val a = tensor(1f, 2f, 3f)
            // (1+2+3) * 2 + 3 * 1 = 15
            println((a * 2.0 + 1).sum().item())
            println(args.joinToString("|"))
        """)
        val (out, code) = captureStdout { host.run(f, listOf("x", "--flag", "3")) }
        code shouldBe 0
        out.lines() shouldBe listOf("15.0", "x|--flag|3", "")
    }

    "the compiled script is cached by content and reused" {
        val f = script("cached.main.kts", "println(\"first\")")
        captureStdout { host.run(f) }.first shouldBe "first\n"
        val jars = cache.walkTopDown().filter { it.name.endsWith(".jar") }.toList()
        val again = captureStdout { host.run(f) }.first
        again shouldBe "first\n"
        cache.walkTopDown().filter { it.name.endsWith(".jar") }.toList() shouldBe jars
        // a changed script gets a new entry (never the stale compiled one)
        f.writeText("println(\"second\")\n")
        captureStdout { host.run(f) }.first shouldBe "second\n"
        cache.walkTopDown().filter { it.name.endsWith(".jar") }.toList() shouldHaveSize jars.size + 1
    }

    "a compile error names the script's file, line and column" {
        val f = script("bad.main.kts", """
            val a = tensor(1f, 2f)
            println("never printed")
            val n: Int = "not a number"
        """)
        val (out, code) = captureStdout { host.run(f, displayPath = "recipes/bad.main.kts") }
        code shouldBe 1
        out shouldBe ""
        val msg = err.toString()
        msg shouldContain Regex("^recipes/bad.main.kts:3:\\d+: error: ", RegexOption.MULTILINE)
        msg shouldContain "String"
    }

    "an exception names the script's file and line, not a host stack trace" {
        val f = script("boom.main.kts", """
            val a = tensor(1f, 2f)
            fun wrongShapes(x: Tensor) =
                x matmul randn(3, 3)
            println("before")
            wrongShapes(a)
        """)
        val (out, code) = captureStdout { host.run(f, displayPath = "boom.main.kts") }
        code shouldBe 1
        out shouldBe "before\n"
        val lines = err.toString().lines().dropWhile { !it.startsWith("Exception in boom") }
        lines.first() shouldStartWith "Exception in boom.main.kts:3: TorchException: "
        lines.first() shouldContain "cannot be multiplied"
        lines[1].trim() shouldBe "at boom.main.kts:5"
        err.toString() shouldNotContain "kotlin.script.experimental"
    }

    "a missing script is reported, not thrown" {
        host.run(File(dir, "nope.main.kts"), displayPath = "nope.main.kts") shouldBe 2
        err.toString() shouldContain "nope.main.kts: no such file"
    }
})
