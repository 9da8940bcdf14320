package dev.lathe.engine.train.grpo

import dev.lathe.engine.align.GrpoInputs
import dev.lathe.engine.align.Losses
import dev.lathe.engine.data.GrpoPrompt
import dev.lathe.engine.generate.Completion
import dev.lathe.engine.generate.RolloutEngine
import dev.lathe.engine.generate.Sampling
import dev.lathe.engine.reward.Reward
import dev.lathe.engine.train.PhaseTimer
import dev.lathe.tests.grpo.GrpoFixtures
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import java.nio.file.Files

/**
 * Zero-variance recovery on hand-made rounds (a scripted rollout engine, so every group's rewards are
 * known): the replay buffer replaces a flat group with a stored one laid out from its own prompt, old
 * log-probs are recomputed or the sampler's, a deferred prompt is re-injected, dynamic sampling refills
 * from fresh prompts, and a checkpoint restores the queue and the buffer.
 */
class GroupRecoverySpec : StringSpec({
    val g = 4
    // prompt i: "signal" (reward = member index: varies), "flat" (reward 1 for all), "zero" (reward 0 for all); lengths differ
    fun prompts(kinds: List<String>) = kinds.mapIndexed { i, k -> GrpoPrompt("p$i", IntArray(1 + i % 2) { 10 + i }, mapOf("kind" to k), "row $i") }
    val reward = Reward.of("r", 1.0) { s ->
        when (s.row()["kind"]) { "signal" -> s.member().toDouble(); "flat" -> 1.0; else -> 0.0 }
    }
    // completion of prompt p, sample k: tokens [p0, 3 + k], sampler log-probs [-1 - k/10, -2]
    val engine = RolloutEngine { ps, _, _ ->
        ps.flatMapIndexed { i, p -> List(g) { k -> Completion(i, k, intArrayOf(p[0], 3 + k), "c${p[0]}-$k", floatArrayOf(-1f - k / 10f, -2f), "eos") } }
    }

    fun maker(kinds: List<String>, r: RecoverySettings, startRound: Long = 0): Pair<RoundMaker, GroupRecovery> {
        val s = GrpoSettings().apply { numGenerations = g; maxCompletionLength = 4; shuffleDataset = false; recovery = r }
        val ps = prompts(kinds)
        val geo = GrpoGeometry.of(4, 2, s, ps.size) // 2 prompts per round: round n = prompts 2n, 2n + 1
        val rec = GroupRecovery(r, doubleArrayOf(1.0), ps.size, 7, startRound)
        val adv = Losses.grpoAdvantages(g, "group", "sum_then_normalize", listOf("r"), listOf(1.0))
        return RoundMaker(ps, geo, s, engine, Sampling.greedy(4, setOf(2)), GrpoFixtures.PlainRunner(listOf(reward)), adv, 7, {}, rec) to rec
    }

    "the replay buffer replaces a zero-variance group with a stored one, laid out from its own prompt, old log-probs recomputed" {
        val kinds = listOf("signal", "flat", "flat", "signal", "flat", "flat")
        val (m, _) = maker(kinds, RecoverySettings().apply { replayBufferSize = 2 })
        val r0 = m.make(0, PhaseTimer())
        r0.metrics()["replay/replaced_groups"] shouldBe 0.0 // nothing stored yet
        r0.metrics()["frac_reward_zero_std"] shouldBe 0.5
        r0.metrics()["replay/buffer_size"] shouldBe 1.0 // prompt 0's group
        val r1 = m.make(1, PhaseTimer()) // prompts 2 (flat) and 3 (signal): 2 is replaced by prompt 0's group
        r1.metrics()["replay/replaced_groups"] shouldBe 1.0
        r1.metrics()["frac_reward_zero_std"] shouldBe 0.0
        r1.rows().map { it.prompt() }.toSet() shouldBe setOf(0, 3)
        val replayed = r1.rows().filter { it.prompt() == 0 }.sortedBy { it.completion()[1] }
        replayed.map { it.completion().toList() } shouldBe List(g) { k -> listOf(10, 3 + k) }
        replayed.forEach { it.oldLogps() shouldBe null } // recomputed under the current policy by the feed
        replayed.map { it.samplerLogps()!![0] } shouldBe List(g) { k -> -1f - k / 10f }
        // advantages come from the round as trained: member index 0..3 -> (k - 1.5) / (std + 1e-4), std = 1.29099
        replayed.map { it.advantage() }.zip(List(g) { k -> (k - 1.5) / (1.2909944487358056 + 1e-4) }).forEach { (a, b) -> a shouldBe (b plusOrMinus 1e-9) }
        // no padding mix-up: prompt 0 (1 token) is left-padded to prompt 3's 2 tokens and sits right before its completion
        val ps = prompts(kinds)
        val mixed = listOf(replayed[0], r1.rows().first { it.prompt() == 3 })
        val b = GrpoBatch.of(mixed, ps, 0, false, GrpoInputs.Window.single(2, 4), null, false)
        val p = b.promptLength()
        val ids = b.ids().toLongArray()
        val width = b.ids().size(1).toInt()
        ids.slice(p - 1 until p + 2).map { it.toInt() } shouldBe listOf(10, 10, 3) // prompt 0's last token, then its completion
        p shouldBe 2
        ids[0] shouldBe 0L // padding on the left only
        b.attention().toFloatArray().take(width).toList() shouldBe listOf(0f, 1f, 1f, 1f)
        ids.slice(width until width + p).map { it.toInt() } shouldBe listOf(13, 13)
    }

    "with replay_recompute_logps false a replayed row's old log-probs are its sampler's" {
        val (m, _) = maker(listOf("signal", "flat", "flat", "signal"), RecoverySettings().apply { replayBufferSize = 2; replayRecomputeLogps = false })
        m.make(0, PhaseTimer())
        val r1 = m.make(1, PhaseTimer())
        val replayed = r1.rows().filter { it.prompt() == 0 }
        replayed.size shouldBe g
        replayed.forEach { it.oldLogps()!!.toList() shouldBe it.samplerLogps()!!.toList() }
        r1.rows().filter { it.prompt() == 3 }.forEach { it.oldLogps() shouldBe null } // fresh rows: the feed computes them
    }

    "a prompt whose group scores all 0 is deferred and re-injected into a later round" {
        val (m, rec) = maker(listOf("zero", "signal", "signal", "signal", "signal", "signal"), RecoverySettings().apply { rerollStartFraction = 0.5; rerollMaxGroups = 1 }, startRound = 1)
        val r0 = m.make(0, PhaseTimer())
        r0.metrics()["reroll/deferred"] shouldBe 1.0
        r0.metrics()["reroll/injected"] shouldBe 0.0 // before the start round
        rec.deferred() shouldBe listOf(0)
        val r1 = m.make(1, PhaseTimer()) // prompts 2, 3 -> 2, 0: the deferred prompt takes the last place
        r1.metrics()["reroll/injected"] shouldBe 1.0
        r1.rows().map { it.prompt() }.toSet() shouldBe setOf(2, 0)
        r1.metrics()["reroll/deferred"] shouldBe 1.0 // still all 0: deferred again
    }

    "dynamic sampling refills a zero-variance group with a fresh prompt that has signal" {
        val (m, _) = maker(listOf("signal", "flat", "signal", "signal", "signal", "signal"), RecoverySettings().apply { dynamicSamplingAttempts = 2 })
        val r0 = m.make(0, PhaseTimer())
        r0.metrics()["dynamic_sampling/zero_std_groups"] shouldBe 1.0
        r0.metrics()["dynamic_sampling/refilled_groups"] shouldBe 1.0
        r0.metrics()["dynamic_sampling/attempts"] shouldBe 1.0
        r0.metrics()["frac_reward_zero_std"] shouldBe 0.0
        val used = r0.rows().map { it.prompt() }.toSet()
        used.contains(1) shouldBe false
        used.size shouldBe 2
        // all-flat prompts: bounded attempts, the group stays
        val (flat, _) = maker(listOf("flat", "flat", "flat", "flat"), RecoverySettings().apply { dynamicSamplingAttempts = 3 })
        val f0 = flat.make(0, PhaseTimer())
        f0.metrics()["dynamic_sampling/refilled_groups"] shouldBe 0.0
        f0.metrics()["dynamic_sampling/attempts"] shouldBe 1.0 // 2 fresh prompts left, drawn once; then none are left
    }

    "a checkpoint restores the deferred prompts and the replay buffer: the next round is the same" {
        val kinds = listOf("zero", "signal", "flat", "signal", "flat", "zero", "signal", "signal")
        val r = RecoverySettings().apply { replayBufferSize = 3; rerollStartFraction = 0.5 }
        val (a, recA) = maker(kinds, r, startRound = 2)
        a.make(0, PhaseTimer()); a.make(1, PhaseTimer())
        val dir = Files.createTempDirectory("recovery")
        recA.save(dir)
        val next = a.make(2, PhaseTimer())
        val (b, recB) = maker(kinds, r, startRound = 2)
        recB.restore(dir)
        recB.deferred() shouldBe listOf(0)
        recB.replaySize() shouldNotBe 0
        val again = b.make(2, PhaseTimer())
        again.rows().map { it.prompt() to it.completion().toList() } shouldBe next.rows().map { it.prompt() to it.completion().toList() }
        again.rows().map { it.advantage() } shouldBe next.rows().map { it.advantage() }
        again.metrics() shouldBe next.metrics()
    }
})

