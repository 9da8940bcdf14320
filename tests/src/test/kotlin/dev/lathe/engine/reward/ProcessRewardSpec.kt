package dev.lathe.engine.reward

import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import java.time.Duration
import java.util.Collections
import java.util.concurrent.ExecutionException
import java.util.concurrent.TimeoutException
import kotlin.system.exitProcess

/**
 * Rewards a worker process rebuilds (RewardIsolation's factory, on the test classpath; the argument picks some
 * by name, "" = all). `pid` answers with the
 * process it runs in; `hang` never returns for "hang" and ignores interrupts (only a kill ends it); `exit` ends
 * the JVM for "exit"; `boom` throws for "boom".
 */
class IsolationTestRewards : RewardWorker.Factory {
    override fun rewards(argument: String): List<Reward> = all().filter { argument.isEmpty() || it.name() in argument.split(",") }

    private fun all() = listOf(
        Reward.of("pid", 1.0) { ProcessHandle.current().pid().toDouble() },
        Reward.of("hang", 1.0) { s ->
            if (s.completion() == "hang") while (true) try { Thread.sleep(60_000) } catch (e: InterruptedException) { /* only a kill stops this */ }
            s.completion().length.toDouble()
        },
        Reward.of("exit", 1.0) { s -> if (s.completion() == "exit") exitProcess(3) else 1.0 },
        Reward.of("boom", 1.0) { s -> if (s.completion() == "boom") throw IllegalStateException("no verifier for boom") else 0.5 },
        Reward.ofGroup("sizes", 1.0) { g -> g.map { (it.row()["size"] as Number).toDouble() } },
    )
}

/** reward_isolation: process (docs/rewards.md): calls in worker JVMs that are killed at the timeout and restarted. */
class ProcessRewardSpec : StringSpec({
    val rewards = IsolationTestRewards().rewards("")
    fun sample(i: Int, text: String) = Sample(i, 0, i, "p", text, intArrayOf(1), IntArray(text.length) { 5 }, mapOf("size" to i * 10), false)
    val timeout = Duration.ofSeconds(2)

    "a hanging call is killed with its process within timeout + margin; an exiting one takes only its worker; both are replaced" {
        ProcessCalls(rewards, 1, timeout, RewardIsolation(IsolationTestRewards::class.java.name, ""), {}).use { calls ->
            val pid1 = (calls.call(0, rewards[0], listOf(sample(0, "a"))).get() as Double).toLong()
            pid1 shouldNotBe ProcessHandle.current().pid() // it ran in another JVM
            val t0 = System.nanoTime()
            val hung = runCatching { calls.call(1, rewards[1], listOf(sample(1, "hang"))).get() }.exceptionOrNull()
            val seconds = (System.nanoTime() - t0) / 1e9
            (hung as ExecutionException).cause!!.javaClass shouldBe TimeoutException::class.java
            (seconds >= 2.0 && seconds < 2.0 + 3.0) shouldBe true // the limit, plus a margin for a loaded machine
            ProcessHandle.of(pid1).map { it.isAlive }.orElse(false) shouldBe false // killed, not merely interrupted
            calls.restarts() shouldBe 1
            val pid2 = (calls.call(0, rewards[0], listOf(sample(2, "b"))).get() as Double).toLong()
            pid2 shouldNotBe pid1
            val exited = runCatching { calls.call(2, rewards[2], listOf(sample(3, "exit"))).get() }.exceptionOrNull()
            ((exited as ExecutionException).cause as RewardWorkerException).let { it.kind() shouldBe "worker exit"; it.message!! shouldContain "status 3" }
            calls.restarts() shouldBe 2
            val pid3 = (calls.call(0, rewards[0], listOf(sample(4, "c"))).get() as Double).toLong()
            setOf(pid1, pid2, pid3).size shouldBe 3
            calls.call(1, rewards[1], listOf(sample(5, "four"))).get() shouldBe 4.0 // the worker answers as before
        }
    }

    "through the one runner: unscorable (NaN) and counted, the user's exception named, rows and groups cross, restarts logged" {
        val log = Collections.synchronizedList(mutableListOf<String>())
        val names = "hang,exit,boom,sizes"
        val options = RewardOptions.defaults().withWorkers(2).withTimeout(timeout).withLog { log += it }
            .withIsolation(RewardIsolation(IsolationTestRewards::class.java.name, names))
        CheckedRewardRunner(IsolationTestRewards().rewards(names), options).use { runner ->
            val samples = listOf("a", "hang", "exit", "boom").mapIndexed { i, t -> sample(i, t) }
            val t = runner.score(samples, 4)
            // null = NaN (unscorable)
            t.values().map { r -> r.map { v -> if (v.isNaN()) null else v } } shouldBe listOf(
                listOf(1.0, 1.0, 0.5, 0.0), listOf(null, 1.0, 0.5, 10.0), listOf(4.0, null, 0.5, 20.0), listOf(4.0, 1.0, null, 30.0))
            t.failures().toList() shouldBe listOf(1, 1, 1, 0)
            runner.roundMetrics()["rewards/worker_restarts"] shouldBe 2.0
            val text = log.joinToString("\n")
            text shouldContain "reward function 'hang' timed out"
            text shouldContain "reward function 'exit' ended its worker process (the worker process exited with status 3"
            text shouldContain "reward function 'boom' threw java.lang.IllegalStateException: no verifier for boom"
            // the next round runs on the replacement workers
            runner.score(listOf("x", "yy", "zzz", "w").mapIndexed { i, s -> sample(i, s) }, 4).failures().toList() shouldBe listOf(0, 0, 0, 0)
            runner.roundMetrics()["rewards/worker_restarts"] shouldBe 0.0
        }
    }

    "a worker that cannot build the trainer's functions is an error when the runner is built" {
        val wrong = RewardOptions.defaults().withWorkers(1).withIsolation(RewardIsolation(IsolationTestRewards::class.java.name, ""))
        val e = runCatching { CheckedRewardRunner(listOf(rewards[3], rewards[1]), wrong) }.exceptionOrNull() as RewardException
        e.message!! shouldContain "built [pid, hang, exit, boom, sizes (per group)] but the trainer scores with [boom, hang]"
        val missing = RewardOptions.defaults().withWorkers(1).withIsolation(RewardIsolation("no.such.Factory", ""))
        (runCatching { CheckedRewardRunner(rewards, missing) }.exceptionOrNull() as RewardException).message!! shouldContain
            "could not build the reward functions: java.lang.ClassNotFoundException: no.such.Factory"
    }
})
