package dev.lathe.tests.cli

import dev.lathe.scripts.host.ScriptHost
import io.kotest.core.spec.style.StringSpec
import io.kotest.engine.spec.tempdir
import io.kotest.matchers.shouldBe
import java.io.File

/** The README's recipe example must run as written, and .ci/run must call the README's test command. */
class ReadmeSpec : StringSpec({
    val repo = File(System.getenv("LATHE_REPO") ?: error("LATHE_REPO is not set (surefire sets it)"))
    val readme = File(repo, "README.md").readText()

    "the README's Kotlin example runs" {
        val code = Regex("```kotlin\\n(.*?)```", RegexOption.DOT_MATCHES_ALL).find(readme)!!.groupValues[1]
        val f = File(tempdir(), "readme.main.kts").apply { writeText(code) }
        val err = Buffer()
        val (out, exit) = captureStdout { ScriptHost(null, err.stream).run(f) }
        err.toString() shouldBe ""
        exit shouldBe 0
        // the second println is x[0, 1] of [[0, 1], [1, 0]]
        out.lines()[1] shouldBe "1.0"
    }

    "CI runs exactly the README's test command" {
        readme.contains("./lathe test ") shouldBe true
        val ci = File(repo, ".ci/run").readLines().filter { it.isNotBlank() && !it.trimStart().startsWith("#") }
        ci.last().trim() shouldBe "exec ./lathe test </dev/null"
    }
})
