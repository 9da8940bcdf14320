package dev.lathe.tests.grpo

import dev.lathe.engine.reward.Reward
import dev.lathe.engine.train.RunResult
import dev.lathe.engine.train.grpo.AsyncSettings
import dev.lathe.engine.train.grpo.GrpoSettings
import dev.lathe.engine.train.grpo.RolloutFunction
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files

/**
 * What async GRPO now combines with: rollout functions (on the producer's weight snapshots, rows versioned by the
 * snapshot they were generated with), DAPO dynamic sampling (stateless) and streamed rounds.
 */
class AsyncCombosSpec : StringSpec({
    fun perRound(r: RunResult, key: String) = r.history().filter { it.containsKey(key) }.map { (it[key] as Number).toDouble() }

    fun run(settings: GrpoSettings.() -> Unit, f: RolloutFunction? = null, reward: Reward = GrpoFixtures.goodFraction, steps: Long = 8,
            ga: Int = 1): RunResult = GrpoFixtures.run(Files.createTempDirectory("async-combo"), rewards = listOf(reward), settings = settings,
        rollout = f) { microBatchSize = 4; gradientAccumulationSteps = ga; maxSteps = steps }

    val envTurn = RolloutFunction { prompts, ctx ->
        ctx.generate(prompts.map { it.ids() }, ctx.sampling().withSamples(1)).map { c ->
            RolloutFunction.Rollout(null, c.tokens() + intArrayOf(7, 8), c.logprobs() + FloatArray(2), IntArray(c.tokens().size) { 1 } + IntArray(2), mapOf(), null)
        }
    }

    "a rollout function runs in the producer on weight snapshots: its rows carry the snapshot's version, staleness stays bounded" {
        val r = run({ async = AsyncSettings(2, 2, null) }, envTurn)
        val stale = perRound(r, "async/staleness")
        val version = perRound(r, "async/policy_version")
        stale.size shouldBe 8
        for ((k, s) in stale.withIndex()) {
            (s in 0.0..3.0) shouldBe true
            version[k] shouldBe k - s
            (version[k].toLong() % 2) shouldBe 0L // snapshot versions (refreshed every 2 updates), not round numbers
        }
        perRound(r, "completions/mean_length").forEach { (it >= 3.0) shouldBe true } // the env reply is in the completion
    }

    "a rollout function that does not generate through ctx (the text form, fixed ids) cannot run async, and says so" {
        val fixed = RolloutFunction { ps, _ -> ps.map { RolloutFunction.Rollout(null, intArrayOf(5, 6), null, null, mapOf(), null) } }
        val e = shouldThrow<IllegalStateException> { run({ async = AsyncSettings(1, 1, null) }, fixed, steps = 2) }
        e.message shouldContain "must generate through ctx.generate"
    }

    "dynamic sampling refills flat groups in the producer, within the staleness bound" {
        // even prompts get a constant reward: their group is flat and is refilled with a fresh prompt
        val r = Reward.of("r", 1.0) { s -> if ((s.row()["id"] as Int) % 2 == 0) 0.5 else GrpoFixtures.goodFraction.perSample()!!.score(s) }
        val run = run({ async = AsyncSettings(1, 1, null); recovery.dynamicSamplingAttempts = 3 }, reward = r)
        val flat = perRound(run, "dynamic_sampling/zero_std_groups")
        val refilled = perRound(run, "dynamic_sampling/refilled_groups")
        flat.size shouldBe 8
        (refilled.sum() > 0) shouldBe true
        refilled.zip(flat).forEach { (a, b) -> (a <= b) shouldBe true }
        perRound(run, "async/staleness").all { it <= 1.0 } shouldBe true
    }

    "replay and re-rolls stay refused with async (their buffers would run ahead of the checkpointed cursor)" {
        val s = GrpoSettings().apply { async = AsyncSettings(1, 1, null); recovery.replayBufferSize = 4 }
        shouldThrow<IllegalArgumentException> { s.validate() }.message shouldContain "replay_buffer_size and reroll_start_fraction are not implemented with the background producer"
    }

    "streamed rounds run in the producer too" {
        val r = run({ async = AsyncSettings(1, 1, null); streamingMinGroups = 1 }, steps = 3, ga = 2)
        perRound(r, "streaming/chunks") shouldBe listOf(2.0, 2.0, 2.0)
        perRound(r, "async/staleness").all { it <= 1.0 } shouldBe true
    }
})
