package dev.lathe.tests.cli

import dev.lathe.tests.train.repoRoot
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.collections.shouldContainAll
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files

/**
 * The README's first commands run in CI: the quickstart (scaled down by its own length argument, in a
 * fresh JVM as `lathe run` starts it, since it exits 1 when held-out accuracy stays low) and the XOR
 * recipe; and every .yml config under recipes/ is trained by a *YamlSpec (MethodYamlSpec, GrpoYamlSpec, EbftYamlSpec, ...).
 */
class RecipesRunSpec : StringSpec({
    val repo = repoRoot()

    "the quickstart, at a fifth of its length, raises held-out preference accuracy and exits 0" {
        val work = Files.createTempDirectory("quickstart") // no recipes/ folder here: recipes/tiny-model is not touched
        val r = LatheProcess.run("run", repo.resolve("recipes/quickstart.main.kts").toString(), work.resolve("out").toString(), "0.2",
            dir = work, env = mapOf("LATHE_CACHE" to work.resolve("cache").toString()), timeoutSeconds = 900)
        r.exitCode shouldBe 0
        r.stdout shouldContain "after  DPO: accuracy"
        Files.exists(work.resolve("out/dpo/adapter_model.safetensors")) shouldBe true
    }

    "the XOR recipe runs" {
        val work = Files.createTempDirectory("xor")
        val r = LatheProcess.run("run", repo.resolve("recipes/xor.main.kts").toString(), dir = work,
            env = mapOf("LATHE_CACHE" to work.resolve("cache").toString()))
        r.exitCode shouldBe 0
    }

    "every recipes/*.yml is trained by one of the *YamlSpec files" {
        val ymls = Files.list(repo.resolve("recipes")).use { s -> s.map { it.fileName.toString() }.filter { it.endsWith(".yml") }.toList() }
        val specs = Files.walk(repo.resolve("tests/src/test/kotlin")).use { s -> s.filter { it.fileName.toString().endsWith("YamlSpec.kt") }.toList() }
        val run = specs.flatMap { f ->
            val text = Files.readString(f)
            Regex("""run\("([a-z0-9-]+)"\)""").findAll(text).map { "${it.groupValues[1]}.yml" }.toList() +
                Regex(""""recipes/([a-z0-9-]+\.yml)""").findAll(text).map { it.groupValues[1] }.toList()
        }.toSet()
        run shouldContainAll ymls
    }
})
