package dev.lathe.tests.reward

import com.github.ajalt.clikt.core.parse
import com.github.ajalt.clikt.testing.test
import dev.lathe.scripts.cli.InitModelCommand
import dev.lathe.scripts.cli.RewardCommand
import dev.lathe.scripts.config.ConfigException
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.engine.spec.tempdir
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.ints.shouldBeInRange
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.File

/** `lathe reward`: a tiny model Lathe writes, a GRPO config with rewards.kts, N sampled completions scored. */
class RewardCommandSpec : FunSpec({
    val dir = tempdir()
    InitModelCommand().parse(listOf(File(dir, "model").path, "--layers", "1", "--seed", "5"))
    File(dir, "d.jsonl").writeText("{\"question\": \"What is 2+3?\", \"answer\": \"5\"}\n{\"prompt\": \"The sky is\", \"answer\": \"blue\"}\n")
    File(dir, "rewards.kts").writeText("""
        fun one(s: Sample): Double? = 1.0
        fun tokens(s: Sample): Double = s.completionIds.size.toDouble()
        fun nothing(s: Sample): Double? = null
        fun broken(s: Sample): Double? = error("verifier down")
    """.trimIndent())
    val yml = File(dir, "grpo.yml").apply {
        writeText("""
            base_model: model
            rl: grpo
            chat_template: chatml
            micro_batch_size: 2
            datasets:
              - path: d.jsonl
            trl:
              num_generations: 2
              max_completion_length: 4
              reward_funcs: [rewards.one, rewards.tokens, rewards.nothing, rewards.broken]
              reward_weights: [1.0, 0.5, 1.0, 1.0]
        """.trimIndent() + "\n")
    }

    test("samples N completions in groups, prints a row per function and the samples, failures on stderr") {
        val r = RewardCommand().test(listOf(yml.path, "--samples", "4", "--show", "4"))
        r.statusCode shouldBe 0
        val out = r.stdout
        out shouldContain "2 prompts x 2 completions, up to 4 new tokens, temperature 1.0"
        fun row(name: String) = out.lines().first { it.startsWith("$name ") }.trim().split(Regex("\\s+"))
        row("one") shouldBe listOf("one", "1.000", "1.0000", "0.0000", "4", "0", "0")
        row("nothing") shouldBe listOf("nothing", "1.000", "-", "-", "0", "4", "0")
        row("broken") shouldBe listOf("broken", "1.000", "-", "-", "0", "0", "4")
        r.stderr shouldContain "reward function 'broken' threw java.lang.IllegalStateException: verifier down on sample 0 (prompt 0, completion 0)"
        // each printed sample gives its token count; `tokens` must equal it and the weighted sum is 1 + 0.5 * tokens
        val counts = Regex("""\[(\d)] prompt (\d) #(\d), (\d+) tokens""").findAll(out).map { it.groupValues[4].toInt() }.toList()
        counts.size shouldBe 4
        counts.forEach { it shouldBeInRange 1..4 }
        Regex("""tokens=(\d+\.\d+)""").findAll(out).map { it.groupValues[1].toDouble().toInt() }.toList() shouldBe counts
        row("tokens")[2].toDouble() shouldBe (counts.average() plusOrMinus 1e-4)
        row("reward")[2].toDouble() shouldBe ((1 + 0.5 * counts.average()) plusOrMinus 1e-4)
        out shouldContain "[0] prompt 0 #0"
        out shouldContain "[3] prompt 1 #1"
    }

    test("a config that is not GRPO is refused") {
        val dpo = File(dir, "dpo.yml").apply { writeText("base_model: model\nrl: dpo\ndatasets:\n  - path: d.jsonl\n") }
        val r = RewardCommand().test(listOf(dpo.path))
        r.statusCode shouldBe 1
        r.stderr shouldContain "needs rl: grpo or rl: gdpo"
        // a typo in the trl block is the strict binder's error, as for lathe train (main prints it, exit 1)
        val typo = File(dir, "typo.yml").apply { writeText(yml.readText().replace("max_completion_length", "max_completion_lenght")) }
        shouldThrow<ConfigException> { RewardCommand().test(listOf(typo.path)) }.message shouldContain
            "typo.yml:9: unknown key `trl.max_completion_lenght` (did you mean `max_completion_length`?)"
    }
})
