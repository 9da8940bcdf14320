package dev.lathe.tests.cli

import dev.lathe.tests.train.repoRoot
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldMatch
import io.kotest.matchers.string.shouldNotContain
import java.io.File
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/**
 * A clean first run: no SLF4J start-up warnings, no stray escape sequences, the package installation and
 * the build each summarised in one line with their full output kept in .lathe-cache/setup.log. The
 * launcher runs on a copy of itself against stand-in apt-get / dpkg-query / mvn commands, so the spec
 * is hermetic and fast; the JVM side runs the real CLI.
 */
class FirstRunSpec : StringSpec({
    val esc = "\u001b"

    "the CLI prints no SLF4J notes and no escape sequences" {
        val dir = Files.createTempDirectory("first-run")
        val r = LatheProcess.run("init-model", dir.resolve("m").toString(), "--layers", "1", "--hidden", "32", "--heads", "4", "--kv-heads", "2")
        r.exitCode shouldBe 0
        r.stderr shouldNotContain "SLF4J"
        (r.stdout + r.stderr) shouldNotContain esc
    }

    /** A copy of the launcher in a fake repository whose tools are the given shell scripts. */
    fun launcher(tools: Map<String, String>): Pair<Path, Path> {
        val root = Files.createTempDirectory("launcher")
        Files.copy(repoRoot().resolve("lathe"), root.resolve("lathe"))
        root.resolve("lathe").toFile().setExecutable(true)
        Files.writeString(root.resolve("pom.xml"), "<project/>")
        val bin = Files.createDirectories(root.resolve("fakebin"))
        val all = mapOf(
            // every package is installed except maven
            "dpkg-query" to "for a; do p=\$a; done; [ \"\$p\" = maven ] && exit 1; printf 'install ok installed'",
            "sudo" to "exec \"\$@\"",
            "mvn" to "printf '\\033[0m\\033[0m'; echo '[INFO] compiling 120 files'; mkdir -p scripts/target; touch scripts/target/lathe-scripts-0.1.0.jar",
        ) + tools
        for ((name, body) in all) bin.resolve(name).toFile().apply { writeText("#!/bin/bash\n$body\n"); setExecutable(true) }
        return root to bin
    }

    fun runSetup(root: Path, bin: Path): ProcessResult {
        val pb = ProcessBuilder("bash", root.resolve("lathe").toString(), "setup")
        pb.environment()["PATH"] = "$bin:${System.getenv("PATH")}"
        pb.environment()["JAVA_HOME"] = System.getProperty("java.home")
        val out = File.createTempFile("setup", ".out")
        val err = File.createTempFile("setup", ".err")
        val p = pb.redirectOutput(out).redirectError(err).start()
        p.waitFor(120, TimeUnit.SECONDS) shouldBe true
        return ProcessResult(p.exitValue(), out.readText(), err.readText())
    }

    "installation and build: one line each, the full output in the setup log, no escape sequences" {
        val (root, bin) = launcher(mapOf("apt-get" to "echo \"Reading package lists... \$*\"; printf '\\033[1mSetting up maven\\033[0m\\n'"))
        val r = runSetup(root, bin)
        r.exitCode shouldBe 0
        (r.stdout + r.stderr) shouldNotContain esc
        val lines = r.stderr.lines().filter { it.isNotBlank() }
        lines.size shouldBe 3
        lines[0] shouldMatch Regex("""\[lathe] installing Debian packages: maven \(full log: \.lathe-cache/setup\.log\) \.\.\. done \(\d+ s\)""")
        lines[1] shouldContain "[lathe] building (first use, sources changed or another LIBTORCH) (full log: .lathe-cache/setup.log) ... done"
        lines[2] shouldContain "[lathe] ready: JAVA_HOME="
        val log = Files.readString(root.resolve(".lathe-cache/setup.log"))
        log shouldContain "Reading package lists... install -y -qq --no-install-recommends maven"
        log shouldContain "Setting up maven"
        log shouldContain "[INFO] compiling 120 files"
        log shouldNotContain esc
    }

    "a failed installation shows the log's tail and where the full log is, and exits 1" {
        val (root, bin) = launcher(mapOf("apt-get" to "echo \"E: Unable to locate package \$*\"; exit 100"))
        val r = runSetup(root, bin)
        r.exitCode shouldBe 1
        r.stderr shouldContain "installing Debian packages: maven (full log: .lathe-cache/setup.log) ... FAILED"
        r.stderr shouldContain "E: Unable to locate package update -qq"
        r.stderr shouldContain "failed; the full log is $root/.lathe-cache/setup.log"
    }

    "the launcher's JDK floor, Maven's enforcer and the README agree with the release the code targets" {
        val repo = repoRoot()
        val pom = Files.readString(repo.resolve("pom.xml"))
        val release = Regex("<maven.compiler.release>(\\d+)<").find(pom)!!.groupValues[1]
        Regex("(?m)^JDK_FLOOR=(\\d+)$").find(Files.readString(repo.resolve("lathe")))!!.groupValues[1] shouldBe release
        Regex("<requireJavaVersion>\\s*<version>\\[(\\d+),\\)").find(pom)!!.groupValues[1] shouldBe release
        Files.readString(repo.resolve("README.md")) shouldContain "a JDK >= $release"
    }
})
