package dev.lathe.tests.cli

import com.github.ajalt.clikt.core.subcommands
import com.github.ajalt.clikt.testing.test
import dev.lathe.scripts.Lathe
import dev.lathe.scripts.commands
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import java.io.File

class CliSpec : StringSpec({
    fun lathe() = Lathe().subcommands(commands())

    /** The project version as Maven knows it: the parent pom's own <version>. */
    fun pomVersion(): String {
        val repo = System.getenv("LATHE_REPO") ?: error("LATHE_REPO is not set (surefire sets it)")
        val pom = File(repo, "pom.xml").readText()
        return Regex("<artifactId>lathe-parent</artifactId>\\s*<version>([^<]+)</version>").find(pom)!!.groupValues[1]
    }

    "--version prints the project's version" {
        val r = lathe().test("--version")
        r.statusCode shouldBe 0
        r.stdout.trim() shouldBe "lathe version ${pomVersion()}"
    }

    "--help lists the subcommands" {
        val r = lathe().test("--help")
        r.statusCode shouldBe 0
        for (cmd in listOf("run", "repl", "doctor", "bench")) r.stdout shouldContain Regex("\\n\\s+$cmd\\s")
    }

    "bench --help lists the bridge benchmark" {
        lathe().test("bench --help").stdout shouldContain Regex("\\n\\s+bridge\\s")
    }

    "an unknown subcommand fails with a usage error" {
        val r = lathe().test("frobnicate")
        r.statusCode shouldNotBe 0
        r.stderr shouldContain "frobnicate"
    }

    "run without a file is a usage error naming the missing argument" {
        val r = lathe().test("run")
        r.statusCode shouldNotBe 0
        r.stderr shouldContain "missing argument <file>"
    }
})
