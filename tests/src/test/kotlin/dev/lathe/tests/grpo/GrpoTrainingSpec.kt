package dev.lathe.tests.grpo

import dev.lathe.engine.reward.Reward
import dev.lathe.engine.train.grpo.GrpoGeometry
import dev.lathe.engine.train.grpo.GrpoSettings
import dev.lathe.tests.grpo.GrpoFixtures.run
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.collections.shouldContainAll
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.doubles.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files

/** GRPO end to end on a tiny Llama: geometry, accumulation invariance, resume, outputs, learning. */
class GrpoTrainingSpec : StringSpec({
    fun metric(r: dev.lathe.engine.train.RunResult, key: String) = r.history().mapNotNull { (it[key] as Number?)?.toDouble() }

    "the batch geometry follows TRL and the errors say which number to change" {
        val s = GrpoSettings().apply { numGenerations = 4 }
        GrpoGeometry.of(2, 4, s, 10).let { it.generationBatchSize() shouldBe 8; it.stepsPerGeneration() shouldBe 4; it.perRoundPrompts() shouldBe 2; it.needsOldLogps() shouldBe false }
        GrpoGeometry.of(2, 1, GrpoSettings().apply { numGenerations = 4; stepsPerGeneration = 2; numIterations = 2 }, 10).needsOldLogps() shouldBe true
        GrpoGeometry.of(2, 1, GrpoSettings().apply { numGenerations = 4; generationBatchSize = 12 }, 10).stepsPerGeneration() shouldBe 6
        shouldThrow<IllegalArgumentException> { GrpoGeometry.of(3, 1, s, 10) }.message shouldContain "gradient_accumulation_steps to a multiple of 4"
        shouldThrow<IllegalArgumentException> { GrpoGeometry.of(2, 1, GrpoSettings().apply { numGenerations = 4; generationBatchSize = 7 }, 10) }
            .message shouldContain "generation_batch_size: 7 is not a positive multiple of micro_batch_size 2"
        shouldThrow<IllegalArgumentException> { GrpoGeometry.of(2, 1, GrpoSettings().apply { generationBatchSize = 8; stepsPerGeneration = 4 }, 10) }
            .message shouldContain "set only one"
        shouldThrow<IllegalArgumentException> { GrpoGeometry.of(8, 4, s, 3) }.message shouldContain "needs 8 prompts"
        shouldThrow<IllegalArgumentException> { GrpoSettings().apply { numGenerations = 1 }.validate() }.message shouldContain "num_generations"
    }

    "micro-batch 4 x accumulation 1 equals 2 x 2 and 1 x 4: same rollouts, same losses, same metrics" {
        val a = run(Files.createTempDirectory("grpo-a")) { microBatchSize = 4; gradientAccumulationSteps = 1; maxSteps = 3 }
        val b = run(Files.createTempDirectory("grpo-b")) { microBatchSize = 2; gradientAccumulationSteps = 2; maxSteps = 3 }
        val c = run(Files.createTempDirectory("grpo-c")) { microBatchSize = 1; gradientAccumulationSteps = 4; maxSteps = 3 }
        a.lossByStep().size shouldBe 3
        for (other in listOf(b, c)) {
            for ((step, l) in a.lossByStep()) other.lossByStep()[step]!! shouldBe (l plusOrMinus 1e-5)
            metric(other, "reward") shouldBe metric(a, "reward")
        }
    }

    "a run killed after a checkpoint resumes mid-round (prompt cursor, buffered rollouts, old and reference log-probs) on the same curve" {
        val out = Files.createTempDirectory("grpo-kill")
        val geometry: GrpoSettings.() -> Unit = { stepsPerGeneration = 2; numIterations = 2 }
        val whole = run(out, lora = true, beta = 0.04, settings = geometry) { microBatchSize = 2; maxSteps = 6; saveSteps = 3 }
        Files.exists(out.resolve("checkpoint-3/grpo_state.json")) shouldBe true
        val log = ByteArrayOutputStream()
        val resumed = run(out, lora = true, beta = 0.04, settings = geometry, log = PrintStream(log)) {
            microBatchSize = 2; maxSteps = 6; resumeFromCheckpoint = out.resolve("checkpoint-3")
        }
        log.toString() shouldContain "resuming at step 3"
        log.toString() shouldContain "old log-probs kept"
        for (step in 4L..6L) resumed.lossByStep()[step]!! shouldBe (whole.lossByStep()[step]!! plusOrMinus 1e-6)
        metric(resumed, "kl").last() shouldBe (metric(whole, "kl").last() plusOrMinus 1e-7)
    }

    "metrics carry TRL's names; completions.jsonl has prompt, completion, each reward and the advantage" {
        val out = Files.createTempDirectory("grpo-log")
        val log = ByteArrayOutputStream()
        val r = run(out, beta = 0.1, log = PrintStream(log), settings = { logCompletions = true; numCompletionsToPrint = 1 }) {
            microBatchSize = 4; maxSteps = 2
        }
        val first = r.history().first { it.containsKey("loss") }.keys
        first shouldContainAll listOf("loss", "grad_norm", "learning_rate", "num_tokens", "reward", "reward_std", "rewards/good/mean",
            "rewards/good/std", "frac_reward_zero_std", "completions/mean_length", "completions/clipped_ratio", "kl",
            "clip_ratio/low_mean", "clip_ratio/high_max", "clip_ratio/region_mean")
        val lines = Files.readAllLines(out.resolve("completions.jsonl"))
        lines.size shouldBe 8 // 2 rounds x 4 completions
        lines[0] shouldContain "\"rewards\":{\"good\":"
        lines[0] shouldContain "\"advantage\":"
        log.toString() shouldContain "round 1 | {"
    }

    "a constant reward warns that every group has zero variance" {
        val log = ByteArrayOutputStream()
        run(Files.createTempDirectory("grpo-flat"), rewards = listOf(Reward.of("flat", 1.0) { 1.0 }), log = PrintStream(log)) {
            microBatchSize = 4; maxSteps = 1
        }
        log.toString() shouldContain "every group has zero reward variance"
    }

    "from nothing, GRPO raises the reward of a tiny model (fraction of GOOD tokens)" {
        val r = run(Files.createTempDirectory("grpo-learn"), settings = { numGenerations = 8 }) {
            microBatchSize = 16; maxSteps = 20; learningRate = 3e-2
        }
        val rewards = metric(r, "reward")
        rewards.takeLast(3).average() shouldBeGreaterThan rewards.take(3).average() + 0.3
    }
})
