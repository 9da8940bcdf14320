package dev.lathe.tests.reward

import dev.lathe.engine.data.GrpoPrompt
import dev.lathe.engine.generate.Completion
import dev.lathe.engine.reward.CheckedRewardRunner
import dev.lathe.engine.reward.SampleRound
import dev.lathe.engine.reward.Reward
import dev.lathe.engine.reward.RewardException
import dev.lathe.engine.reward.RewardOptions
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.time.Duration
import java.util.Collections
import java.util.concurrent.CyclicBarrier
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

/** The checked reward calling contract of CheckedRewardRunner (docs/rewards.md, "The contract"). */
class RewardRunnerSpec : FunSpec({
    val log = Collections.synchronizedList(mutableListOf<String>())
    fun opts(workers: Int = 2) = RewardOptions.defaults().withWorkers(workers).withLog { log.add(it) }
    fun run(vararg r: Reward, workers: Int = 2, o: RewardOptions = opts(workers)) = CheckedRewardRunner(r.toList(), o)
    beforeTest { log.clear() }

    test("per-sample values land in [n][k] in sample order, per-group functions see each group once, in order") {
        val groupCalls = Collections.synchronizedList(mutableListOf<List<Int>>())
        val perSample = Reward.of("index", 1.0) { s -> s.index() * 10.0 }
        val perGroup = Reward.ofGroup("rank", 2.0) { grp ->
            groupCalls.add(grp.map { it.index() }); grp.map { it.member().toDouble() - 1.0 }
        }
        run(perSample, perGroup).use { r ->
            val t = r.score(round(2, 3), 3)
            t.values().map { it.toList() } shouldBe listOf(
                listOf(0.0, -1.0), listOf(10.0, 0.0), listOf(20.0, 1.0),
                listOf(30.0, -1.0), listOf(40.0, 0.0), listOf(50.0, 1.0))
            groupCalls.sortedBy { it[0] } shouldBe listOf(listOf(0, 1, 2), listOf(3, 4, 5))
            t.failures().toList() shouldBe listOf(0, 0)
            t.nulls().toList() shouldBe listOf(0, 0)
            r.rewards().map { it.name() } shouldBe listOf("index", "rank")
        }
    }

    test("null means cannot score: NaN in the table, counted in nulls, not a failure") {
        run(Reward.of("odd", 1.0) { s -> if (s.index() % 2 == 1) 1.0 else null }).use { r ->
            val t = r.score(round(1, 4), 4)
            t.values().map { it[0].isNaN() } shouldBe listOf(true, false, true, false)
            t.nulls()[0] shouldBe 2
            t.failures()[0] shouldBe 0
            log shouldHaveSize 0
        }
    }

    test("a per-group function returning the wrong count is an error naming the function, the counts and the group") {
        run(Reward.ofGroup("short", 1.0) { grp -> if (grp[0].group() == 1) listOf(1.0) else grp.map { 0.0 } }).use { r ->
            val e = shouldThrow<RewardException> { r.score(round(2, 4), 4) }
            e.message shouldContain "reward function 'short'"
            e.message shouldContain "returned 1 value for prompt 1 (samples 4..7)"
            e.message shouldContain "expected 4"
        }
        run(Reward.ofGroup("long", 1.0) { grp -> List(grp.size + 1) { 0.0 } }).use { r ->
            shouldThrow<RewardException> { r.score(round(1, 2), 2) }.message shouldContain "returned 3 values for prompt 0 (samples 0..1); expected 2"
        }
    }

    test("NaN and ±inf are refused with the function's name and the sample, per-sample and inside a group") {
        for (bad in listOf(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY)) {
            run(Reward.of("f", 1.0) { s -> if (s.index() == 2) bad else 0.5 }).use { r ->
                val e = shouldThrow<RewardException> { r.score(round(1, 3) { "text $it\nline" }, 3) }
                e.message shouldContain "reward function 'f' returned $bad for sample 2 (prompt 0, completion 2): \"text 2\\nline\""
            }
        }
        run(Reward.ofGroup("g", 1.0) { grp -> grp.map { if (it.member() == 1) Double.NaN else 0.0 } }).use { r ->
            shouldThrow<RewardException> { r.score(round(2, 2), 2) }.message shouldContain "reward function 'g' returned NaN for sample 1 (prompt 0, completion 1)"
        }
    }

    test("an exception marks that sample unscorable, is counted and logged once per function and kind with the first sample") {
        val f = Reward.of("parse", 1.0) { s -> s.completion().removePrefix("c").toInt().toDouble().also { require(it % 3 != 1.0) { "bad $it" } } }
        run(f).use { r ->
            val t = r.score(round(2, 4) { if (it == 5) "x" else "c$it" }, 4)
            // sample 5 throws NumberFormatException, samples 1, 4 and 7 throw IllegalArgumentException
            t.values().map { it[0] }.map { if (it.isNaN()) null else it } shouldBe listOf(0.0, null, 2.0, 3.0, null, null, 6.0, null)
            t.failures()[0] shouldBe 4
            log shouldHaveSize 2
            log[0] shouldContain "reward function 'parse' threw java.lang.IllegalArgumentException: bad 1.0 on sample 1 (prompt 0, completion 1)"
            log[0] shouldContain "NaN, not 0"
            log[1] shouldContain "java.lang.NumberFormatException"
            log[1] shouldContain "sample 5"
            r.score(round(1, 2), 2).failures()[0] shouldBe 1 // sample 1 again: counted, not logged again
            log shouldHaveSize 2
        }
    }

    test("an exception in a per-group function makes the whole group unscorable for that function only") {
        val boom = Reward.ofGroup("boom", 1.0) { grp -> if (grp[0].group() == 0) error("no judge") else grp.map { 1.0 } }
        val ok = Reward.of("ok", 1.0) { 2.0 }
        run(boom, ok).use { r ->
            val t = r.score(round(2, 3), 3)
            t.values().map { it[0].isNaN() } shouldBe listOf(true, true, true, false, false, false)
            t.values().map { it[1] } shouldBe List(6) { 2.0 }
            t.failures().toList() shouldBe listOf(3, 0)
            log.single() shouldContain "reward function 'boom' threw java.lang.IllegalStateException: no judge on prompt 0 (3 samples; first sample 0"
        }
    }

    test("strict turns an exception into an error naming the function and the sample, with the cause") {
        run(Reward.of("f", 1.0) { s -> if (s.index() == 1) throw java.io.IOException("disk") else 1.0 }, o = opts().withStrict(true)).use { r ->
            val e = shouldThrow<RewardException> { r.score(round(1, 2), 2) }
            e.message shouldContain "reward function 'f' threw java.io.IOException: disk on sample 1 (prompt 0, completion 1)"
            (e.cause is java.io.IOException) shouldBe true
        }
    }

    test("a call over the timeout marks its sample unscorable; a hung call gives back its worker slot") {
        val slow = Reward.of("slow", 1.0) { s ->
            if (s.index() == 0) { Thread.sleep(60_000); 9.0 } else 1.0
        }
        // one worker: the other three samples can only run if the hung call's slot is released on timeout
        run(slow, o = opts(1).withTimeout(Duration.ofMillis(200))).use { r ->
            val t = r.score(round(1, 4), 4)
            t.values()[0][0].isNaN() shouldBe true
            t.values().drop(1).map { it[0] } shouldBe listOf(1.0, 1.0, 1.0)
            t.failures()[0] shouldBe 1
            log.single() shouldContain "reward function 'slow' timed out (timed out after 200 ms) on sample 0"
        }
        // a call that swallows its interrupt keeps its thread: the pool adds one so the rest still run
        val release = java.util.concurrent.CountDownLatch(1)
        val stubborn = Reward.of("stubborn", 1.0) { s ->
            if (s.index() == 1) while (true) { try { if (release.await(10, TimeUnit.MILLISECONDS)) break } catch (e: InterruptedException) { } }
            2.0
        }
        run(stubborn, o = opts(1).withTimeout(Duration.ofMillis(200))).use { r ->
            val t = r.score(round(1, 4), 4)
            t.values().map { it[0] }.map { if (it.isNaN()) null else it } shouldBe listOf(2.0, null, 2.0, 2.0)
            t.failures()[0] shouldBe 1
            release.countDown()
        }
        run(slow, o = opts(1).withTimeout(Duration.ofMillis(100)).withStrict(true)).use { r ->
            shouldThrow<RewardException> { r.score(round(1, 2), 2) }.message shouldContain "'slow' timed out"
        }
    }

    test("calls run on the pool: with 2 workers two calls meet at a barrier; with 1 worker never two at once") {
        val barrier = CyclicBarrier(2)
        run(Reward.of("meet", 1.0) { barrier.await(20, TimeUnit.SECONDS); 1.0 }, workers = 2).use { r ->
            r.score(round(1, 4), 4).failures()[0] shouldBe 0
        }
        val running = AtomicInteger()
        val most = AtomicInteger()
        run(Reward.of("one", 1.0) { most.accumulateAndGet(running.incrementAndGet()) { a, b -> maxOf(a, b) }; Thread.sleep(20); running.decrementAndGet(); 1.0 }, workers = 1).use { r ->
            r.score(round(2, 3), 3)
            most.get() shouldBe 1
        }
    }

    test("queued calls do not each get a thread: 200 calls on 2 workers use at most 2 threads") {
        val threads = Collections.synchronizedSet(mutableSetOf<String>())
        run(Reward.of("t", 1.0) { threads.add(Thread.currentThread().name); 1.0 }, workers = 2).use { r ->
            r.score(round(50, 4), 4).failures()[0] shouldBe 0
        }
        (threads.size <= 2) shouldBe true
    }

    test("SampleRound maps a generation round (prompt-major completions) to samples") {
        val prompts = listOf(GrpoPrompt("P0", intArrayOf(1, 2), mapOf("answer" to "a"), "d.jsonl:1"),
            GrpoPrompt("P1", intArrayOf(3), mapOf("answer" to "b"), "d.jsonl:2"))
        val comps = listOf(Completion(0, 0, intArrayOf(5, 9), "x", floatArrayOf(-1f, -2f), "eos"),
            Completion(0, 1, intArrayOf(6, 7), "yz", floatArrayOf(-1f, -2f), "length"),
            Completion(1, 0, intArrayOf(9), "", floatArrayOf(-1f), "eos"),
            Completion(1, 1, intArrayOf(8, 9), "w", floatArrayOf(-1f, -2f), "stop"))
        val s = SampleRound.of(prompts, comps)
        s.map { listOf(it.index(), it.group(), it.member()) } shouldBe listOf(listOf(0, 0, 0), listOf(1, 0, 1), listOf(2, 1, 0), listOf(3, 1, 1))
        s.map { it.prompt() } shouldBe listOf("P0", "P0", "P1", "P1")
        s.map { it.completion() } shouldBe listOf("x", "yz", "", "w")
        s.map { it.truncated() } shouldBe listOf(false, true, false, false)
        s[1].completionIds().toList() shouldBe listOf(6, 7)
        s[3].promptIds().toList() shouldBe listOf(3)
        s[2].row()["answer"] shouldBe "b"
    }

    test("bad round layout and bad options are refused") {
        run(Reward.of("f", 1.0) { 1.0 }).use { r ->
            shouldThrow<IllegalArgumentException> { r.score(round(1, 5), 2) }.message shouldContain "5 samples do not split into groups of 2"
            val swapped = round(2, 2).let { listOf(it[0], it[2], it[1], it[3]) }
            shouldThrow<IllegalArgumentException> { r.score(swapped, 2) }.message shouldContain "sample 1 belongs to prompt 1"
        }
        shouldThrow<IllegalArgumentException> { run(Reward.of("a", 1.0) { 1.0 }, Reward.of("a", 1.0) { 1.0 }) }.message shouldContain "two reward functions are named 'a'"
        shouldThrow<IllegalArgumentException> { RewardOptions.defaults().withWorkers(0) }
        shouldThrow<IllegalArgumentException> { RewardOptions.defaults().withTimeout(Duration.ZERO) }
    }
})
