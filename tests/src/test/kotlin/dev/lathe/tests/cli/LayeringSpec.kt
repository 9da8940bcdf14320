package dev.lathe.tests.cli

import dev.lathe.tests.train.repoRoot
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.collections.shouldBeEmpty
import java.nio.file.Files
import java.nio.file.Path

/**
 * Dependencies point one way (recipes -> scripts -> engine -> ffi), and inside scripts the recipe DSL
 * does not reach into the CLI: both are front ends of the engine. Checked on the sources' imports.
 */
class LayeringSpec : StringSpec({
    val repo = repoRoot()

    fun importsIn(dir: String, ext: String): List<Pair<Path, String>> = Files.walk(repo.resolve(dir)).use { s ->
        s.filter { it.toString().endsWith(ext) }.toList().flatMap { f ->
            Files.readAllLines(f).filter { it.startsWith("import ") }.map { f to it.removePrefix("import ").trim().removeSuffix(";") }
        }
    }

    "the recipe DSL does not depend on the CLI" {
        importsIn("scripts/src/main/kotlin/dev/lathe/scripts/dsl", ".kt").filter { it.second.startsWith("dev.lathe.scripts.cli") }.shouldBeEmpty()
        Files.walk(repo.resolve("scripts/src/main/kotlin/dev/lathe/scripts/dsl")).use { s ->
            s.filter { it.toString().endsWith(".kt") }.toList().filter { Files.readString(it).contains("dev.lathe.scripts.cli.") }
        }.shouldBeEmpty()
    }

    "the engine knows neither Kotlin scripts, YAML nor the CLI" {
        importsIn("engine/src/main/java", ".java").filter { (_, i) ->
            i.startsWith("dev.lathe.scripts") || i.startsWith("kotlin.") || i.startsWith("com.fasterxml.jackson.dataformat.yaml")
        }.shouldBeEmpty()
    }

    "only the tensor layer (and the process group) call ffi from the engine" {
        val allowed = setOf("tensor", "dist")
        val base = repo.resolve("engine/src/main/java/dev/lathe/engine")
        importsIn("engine/src/main/java", ".java").filter { (f, i) ->
            val rel = base.relativize(f).toString()
            i.startsWith("dev.lathe.ffi") && rel.substringBefore('/') !in allowed
        }.map { base.relativize(it.first).toString() }.distinct().shouldBeEmpty()
    }
})
