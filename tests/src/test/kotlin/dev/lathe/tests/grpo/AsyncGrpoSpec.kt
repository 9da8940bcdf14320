package dev.lathe.tests.grpo

import com.fasterxml.jackson.databind.ObjectMapper
import dev.lathe.engine.align.ImportanceSampling
import dev.lathe.engine.reward.Reward
import dev.lathe.engine.tensor.Tensors
import dev.lathe.engine.train.RunResult
import dev.lathe.engine.train.grpo.AsyncSettings
import dev.lathe.tests.grpo.GrpoFixtures.run
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.doubles.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path

/**
 * Async GRPO (grpo-spec §14) on a tiny Llama: one prompt x 4 completions per round, one round per update,
 * so round k is first trained at update k and its staleness is k - (version of its weights).
 */
class AsyncGrpoSpec : StringSpec({
    fun perRound(r: RunResult, key: String) = r.history().filter { it.containsKey(key) }.map { (it[key] as Number).toDouble() }
    fun rounds(out: Path) = Files.readAllLines(out.resolve("completions.jsonl")).map { ObjectMapper().readTree(it) }
        .map { it["round"].asInt() to it["prompt"].asText() }

    "with prefetch_depth 2 and vllm_sync_interval 2 staleness stays within ceil(2 x 1) + 2 - 1 = 3" {
        val log = ByteArrayOutputStream()
        val r = run(Files.createTempDirectory("async-bound"), log = PrintStream(log), settings = { async = AsyncSettings(2, 2, null) }) {
            microBatchSize = 4; maxSteps = 8; loggingSteps = 1
        }
        val stale = perRound(r, "async/staleness")
        val version = perRound(r, "async/policy_version")
        stale.size shouldBe 8
        for ((k, s) in stale.withIndex()) {
            (s <= 3.0) shouldBe true
            version[k] shouldBe k - s
            (version[k].toLong() % 2) shouldBe 0L // snapshots are refreshed every 2 updates
            if (k % 2 == 1) (s >= 1.0) shouldBe true // so a round trained at an odd update is never fresh
        }
        // how far ahead the producer runs depends on thread timing; the bound does not
        log.toString() shouldContain "staleness bound 3 update(s)"
    }

    "max_staleness 1 makes the producer wait for fresh weights instead of running 2 rounds ahead" {
        val r = run(Files.createTempDirectory("async-paced"), settings = { async = AsyncSettings(2, 2, 1) }) {
            microBatchSize = 4; maxSteps = 8; loggingSteps = 1
        }
        // depth 2 lets the producer start round 3 once round 1 is taken (update 1), when only v0 exists; a round
        // trained at update 3 may be 1 update stale, so it must wait until the trainer publishes v2 after update 2
        val stale = perRound(r, "async/staleness")
        stale.size shouldBe 8
        stale.all { it <= 1.0 } shouldBe true
        perRound(r, "async/policy_version") shouldBe listOf(0.0, 0.0, 2.0, 2.0, 4.0, 4.0, 6.0, 6.0)
    }

    "a resumed async run continues at the checkpoint's round: the rounds made ahead are neither skipped nor trained twice" {
        val whole = Files.createTempDirectory("async-whole")
        val settings: dev.lathe.engine.train.grpo.GrpoSettings.() -> Unit = { async = AsyncSettings(2, 1, null); logCompletions = true; numCompletionsToPrint = 0 }
        run(whole, settings = settings) { microBatchSize = 4; maxSteps = 6 }
        val cut = Files.createTempDirectory("async-cut")
        run(cut, settings = settings) { microBatchSize = 4; maxSteps = 3; saveSteps = 3 }
        rounds(cut).map { it.first }.distinct() shouldContainExactly listOf(1, 2, 3) // rounds 4 and 5 were made ahead, not logged
        val log = ByteArrayOutputStream()
        run(cut, settings = settings, log = PrintStream(log)) { microBatchSize = 4; maxSteps = 6; resumeFromCheckpoint = cut.resolve("checkpoint-3") }
        log.toString() shouldContain "async rollouts from round 3 (weights v3)"
        rounds(cut) shouldContainExactly rounds(whole)
        rounds(whole).map { it.first }.distinct() shouldContainExactly listOf(1, 2, 3, 4, 5, 6)
    }

    "stale rounds are corrected: the sampler's log-probs differ from the proximal policy's and the weights are logged raw and truncated" {
        val r = run(Files.createTempDirectory("async-is"), settings = { async = AsyncSettings(2, 1, null) },
            lossBlock = { importanceSampling(ImportanceSampling(ImportanceSampling.Mode.TOKEN_TRUNCATE, null, 1.05)) }) {
            microBatchSize = 4; maxSteps = 6; loggingSteps = 1; learningRate = 5e-2
        }
        val gap = perRound(r, "sampling/sampling_logp_difference/mean")
        gap.size shouldBe 6
        gap[0] shouldBe (0.0 plusOrMinus 1e-4) // round 0: snapshot v0 = the weights that score it (kernels agree to ~1e-5)
        gap.drop(2).all { it > 1e-3 } shouldBe true // two updates stale: a different policy sampled them
        val raw = perRound(r, "sampling/raw_importance_sampling_ratio/max")
        val capped = perRound(r, "sampling/importance_sampling_ratio/max")
        capped.all { it <= 1.05 + 1e-6 } shouldBe true
        (raw.max() > 1.05) shouldBe true
        perRound(r, "sampling/importance_sampling_ratio/truncated_frac").max() shouldBeGreaterThan 0.0
    }

    "the producer thread leaves no native tensor behind (its scopes, the decode cache, both weight copies)" {
        val out = Files.createTempDirectory("async-leak")
        fun live(async: Boolean, steps: Long): Long {
            val before = Tensors.liveCount()
            run(out, settings = { if (async) this.async = AsyncSettings(2, 1, null) }) { microBatchSize = 4; maxSteps = steps; savesPerEpoch = 0 }
            return Tensors.liveCount() - before
        }
        live(true, 2) // warm-up
        val sync = live(false, 6)
        sync shouldBe 0L
        live(true, 6) shouldBe 0L
        live(true, 3) shouldBe 0L
    }

    "a reward that fails in the background fails the run with the reward's message, not a hang or a crash" {
        val boom = Reward.of("boom", 1.0) { s -> if (s.promptIds().size > 0) throw IllegalStateException("verifier down") else 0.0 }
        val e = shouldThrow<IllegalStateException> {
            run(Files.createTempDirectory("async-fail"), rewards = listOf(boom), settings = { async = AsyncSettings(1, 1, null) }) {
                microBatchSize = 4; maxSteps = 3
            }
        }
        e.message shouldContain "the rollout producer failed"
        e.message shouldContain "verifier down"
    }

    "async GRPO learns what sync GRPO learns: from nothing, the fraction of GOOD tokens rises (rounds 1-2 updates stale, corrected)" {
        val r = run(Files.createTempDirectory("async-learn"), settings = { numGenerations = 8; async = AsyncSettings(2, 1, null) },
            lossBlock = { importanceSampling(ImportanceSampling(ImportanceSampling.Mode.TOKEN_TRUNCATE, null, 3.0)) }) {
            microBatchSize = 16; maxSteps = 20; learningRate = 3e-2
        }
        val rewards = perRound(r, "reward")
        rewards.takeLast(3).average() shouldBeGreaterThan rewards.take(3).average() + 0.3
    }

    "async settings are checked: a staleness bound below the sync interval could never be met" {
        shouldThrow<IllegalArgumentException> { AsyncSettings(1, 4, 2) }.message shouldContain "max_staleness: expected >= vllm_sync_interval - 1 = 3"
        shouldThrow<IllegalArgumentException> { AsyncSettings(0, 1, null) }.message shouldContain "prefetch_depth"
    }
})
