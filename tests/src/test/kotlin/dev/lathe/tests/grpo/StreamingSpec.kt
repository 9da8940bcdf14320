package dev.lathe.tests.grpo

import com.fasterxml.jackson.databind.ObjectMapper
import dev.lathe.engine.reward.Reward
import dev.lathe.engine.train.grpo.GrpoGeometry
import dev.lathe.engine.train.grpo.GrpoSettings
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files
import java.nio.file.Path
import kotlin.math.sqrt

/**
 * streaming_partial_batch / streaming_min_groups (grpo-spec §14.7): a round generated and scored in chunks of k
 * groups, advantages per chunk, rows shuffled within their chunk, micro-batches that never mix chunks.
 */
class StreamingSpec : StringSpec({
    data class Line(val round: Int, val prompt: String, val reward: Double, val advantage: Double)

    fun lines(out: Path): List<Line> = Files.readAllLines(out.resolve("completions.jsonl")).map { ObjectMapper().readTree(it) }
        .map { Line(it["round"].asInt(), it["prompt"].asText(), it["rewards"]["r"].asDouble(), it["advantage"].asDouble()) }

    fun std(v: List<Double>): Double { val m = v.average(); return sqrt(v.sumOf { (it - m) * (it - m) } / (v.size - 1)) }

    "scale_rewards batch is over the chunk's rows: advantages match the hand computation from the logged rewards" {
        val out = Files.createTempDirectory("stream-adv")
        // 4 prompts x 4 completions per round, chunks of 2 groups = 8 rows, micro-batches of 4
        val r = GrpoFixtures.run(out, rewards = listOf(GrpoFixtures.goodFraction.named("r")), settings = {
            streamingMinGroups = 2; scaleRewards = "batch"; logCompletions = true
        }) { microBatchSize = 4; gradientAccumulationSteps = 4; maxSteps = 3 }
        val ls = lines(out)
        ls.size shouldBe 3 * 16
        var checked = 0
        for ((_, round) in ls.groupBy { it.round }) {
            round.chunked(8).forEach { chunk -> // the log lists groups in prompt order; a chunk is 2 consecutive groups
                val sd = std(chunk.map { it.reward })
                chunk.chunked(4).forEach { group ->
                    group.map { it.prompt }.toSet().size shouldBe 1
                    val mean = group.map { it.reward }.average()
                    group.forEach { l -> l.advantage shouldBe ((l.reward - mean) / (sd + 1e-4) plusOrMinus 1e-6); if (l.advantage != 0.0) checked++ }
                }
            }
        }
        (checked > 0) shouldBe true
        r.history().mapNotNull { it["streaming/chunks"] as Double? } shouldBe listOf(2.0, 2.0, 2.0)
        // the same round unstreamed divides by the std over all 16 rows: the numbers differ (so the check above can fail)
        val whole = Files.createTempDirectory("stream-whole")
        GrpoFixtures.run(whole, rewards = listOf(GrpoFixtures.goodFraction.named("r")), settings = { scaleRewards = "batch"; logCompletions = true }) {
            microBatchSize = 4; gradientAccumulationSteps = 4; maxSteps = 1
        }
        val first = lines(whole).filter { it.round == 1 }
        val sd16 = std(first.map { it.reward })
        first.chunked(4).forEach { g -> val m = g.map { it.reward }.average(); g.forEach { it.advantage shouldBe ((it.reward - m) / (sd16 + 1e-4) plusOrMinus 1e-6) } }
    }

    "chunks of one group fill whole micro-batches: every flat group is one skipped micro-batch" {
        val out = Files.createTempDirectory("stream-skip")
        // even prompts get a constant reward (a flat group, advantages 0), odd ones the learnable one
        val r = Reward.of("r", 1.0) { s -> if ((s.row()["id"] as Int) % 2 == 0) 0.5 else GrpoFixtures.goodFraction.perSample()!!.score(s) }
        val run = GrpoFixtures.run(out, rewards = listOf(r), settings = {
            streamingMinGroups = 1; logCompletions = true; recovery.skipZeroAdvantageBatches = true
        }) { microBatchSize = 4; gradientAccumulationSteps = 4; maxSteps = 3 }
        val flatGroups = lines(out).groupBy { it.round }.toSortedMap().values.map { round ->
            round.chunked(4).count { g -> g.all { it.advantage == 0.0 } }.toDouble()
        }
        run.history().mapNotNull { it["skipped_zero_adv_batches"] as Double? } shouldBe flatGroups
        (flatGroups.sum() > 0) shouldBe true
        (flatGroups.any { it < 4.0 }) shouldBe true // some micro-batches were trained
        run.history().mapNotNull { it["streaming/chunks"] as Double? } shouldBe listOf(4.0, 4.0, 4.0)
    }

    "a chunk must be whole groups filling whole micro-batches; recovery that reworks the round is refused" {
        val s = GrpoSettings().apply { numGenerations = 4; streamingMinGroups = 3 }
        shouldThrow<IllegalArgumentException> { GrpoGeometry.of(4, 4, s, 100) }.message!! shouldContain
            "streaming_min_groups: a round has 4 prompts, which do not split into chunks of 3 groups; use a divisor of 4"
        val odd = GrpoSettings().apply { numGenerations = 2; streamingMinGroups = 1 }
        shouldThrow<IllegalArgumentException> { GrpoGeometry.of(4, 4, odd, 100) }.message!! shouldContain
            "streaming_min_groups: a chunk of 1 groups x num_generations 2 = 2 completions does not fill whole micro-batches of micro_batch_size 4; use 2"
        val replay = GrpoSettings().apply { streamingMinGroups = 1; recovery.replayBufferSize = 4 }
        shouldThrow<IllegalArgumentException> { replay.validate() }.message!! shouldContain "streaming_partial_batch: replay_buffer_size"
    }
})
