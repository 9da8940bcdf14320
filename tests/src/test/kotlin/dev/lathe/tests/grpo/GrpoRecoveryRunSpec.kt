package dev.lathe.tests.grpo

import dev.lathe.engine.reward.Reward
import dev.lathe.tests.grpo.GrpoFixtures.run
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import java.nio.file.Files

/** Zero-advantage skips and the recovery buffers in real runs on a tiny Llama (GroupRecoverySpec has the hand-made rounds). */
class GrpoRecoveryRunSpec : StringSpec({
    fun metric(r: dev.lathe.engine.train.RunResult, key: String) = r.history().mapNotNull { (it[key] as Number?)?.toDouble() }
    val flat = Reward.of("flat", 1.0) { 1.0 }

    "skip_zero_advantage_batches skips every micro-batch of a flat reward (no forward: no entropy), counted per update; not with beta != 0" {
        val skip = run(Files.createTempDirectory("grpo-skip"), rewards = listOf(flat), settings = { recovery.skipZeroAdvantageBatches = true }) {
            microBatchSize = 2; gradientAccumulationSteps = 2; maxSteps = 2
        }
        metric(skip, "skipped_zero_adv_batches") shouldBe listOf(2.0, 2.0) // a count of micro-batches, not a flag
        metric(skip, "entropy") shouldBe emptyList()
        skip.lossByStep().values.forEach { it shouldBe 0.0 }
        val kl = run(Files.createTempDirectory("grpo-skip-kl"), rewards = listOf(flat), beta = 0.04, lora = true,
            settings = { recovery.skipZeroAdvantageBatches = true }) { microBatchSize = 2; gradientAccumulationSteps = 2; maxSteps = 1 }
        metric(kl, "skipped_zero_adv_batches") shouldBe emptyList()
        metric(kl, "entropy").size shouldBe 1
    }

    "a run with replay, re-rolls and dynamic sampling resumes with its buffers on the same curve" {
        // even prompt ids: reward 0 for every completion (re-roll candidates); odd: the GOOD fraction
        val mixed = Reward.of("mixed", 1.0) { s -> if ((s.row()["id"] as Int) % 2 == 0) 0.0 else GrpoFixtures.goodFraction.perSample()!!.score(s) }
        val out = Files.createTempDirectory("grpo-recover")
        val features: dev.lathe.engine.train.grpo.GrpoSettings.() -> Unit = {
            recovery.replayBufferSize = 4; recovery.rerollStartFraction = 0.25; recovery.dynamicSamplingAttempts = 1
        }
        val whole = run(out, rewards = listOf(mixed), settings = features) { microBatchSize = 4; gradientAccumulationSteps = 2; maxSteps = 4; saveSteps = 2 }
        Files.exists(out.resolve("checkpoint-2/grpo_buffers.json")) shouldBe true
        (metric(whole, "reroll/deferred").sum() > 0) shouldBe true
        (metric(whole, "reroll/injected").sum() > 0) shouldBe true // a deferred prompt is tried again
        val resumed = run(out, rewards = listOf(mixed), settings = features) {
            microBatchSize = 4; gradientAccumulationSteps = 2; maxSteps = 4; resumeFromCheckpoint = out.resolve("checkpoint-2")
        }
        for (step in 3L..4L) resumed.lossByStep()[step]!! shouldBe (whole.lossByStep()[step]!! plusOrMinus 1e-6)
        metric(resumed, "reroll/buffer_size").last() shouldBe metric(whole, "reroll/buffer_size").last()
        metric(resumed, "replay/buffer_size").last() shouldBe metric(whole, "replay/buffer_size").last()
    }
})
