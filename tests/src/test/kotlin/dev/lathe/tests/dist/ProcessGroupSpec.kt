package dev.lathe.tests.dist

import dev.lathe.engine.dist.DistException
import dev.lathe.engine.dist.LocalRanks
import dev.lathe.engine.dist.ProcessGroup
import dev.lathe.engine.dist.ReduceOp
import dev.lathe.engine.dist.Rendezvous
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.File
import java.time.Duration
import java.util.concurrent.TimeUnit

/** Two JVMs on loopback: this one is rank 0, a child JVM (DistWorker) is rank 1. */
class ProcessGroupSpec : StringSpec({
    fun child(scenario: String, port: Int, timeoutS: Long): Process {
        val pb = ProcessBuilder(LocalRanks.javaCommand(DistWorker::class.java.name, listOf(scenario, timeoutS.toString())))
        pb.environment().putAll(LocalRanks.environment(port, 1, 2, 1))
        pb.redirectOutput(File.createTempFile("worker", ".out")).redirectError(File.createTempFile("worker", ".err"))
        return pb.start()
    }


    "two processes exchange tensors: all-reduce (sum/avg/max, bucketed), broadcast, all-gather (fixed and variable length), barrier" {
        val port = LocalRanks.freePort()
        val p = child("exchange", port, 20)
        try {
            ProcessGroup.connect(Rendezvous.local(port, 0, 2, Duration.ofSeconds(20))).use { g ->
                g.world() shouldBe 2
                DistWorker.exchange(g).shouldBeEmpty()
            }
            p.waitFor(60, TimeUnit.SECONDS) shouldBe true
            p.exitValue() shouldBe 0
        } finally {
            p.destroyForcibly()
        }
    }

    "a rank that dies ends the other's collective with an error naming the missing rank and the collective" {
        val port = LocalRanks.freePort()
        val p = child("die", port, 20)
        try {
            ProcessGroup.connect(Rendezvous.local(port, 0, 2, Duration.ofSeconds(20))).use { g ->
                g.allReduce(doubleArrayOf(1.0), ReduceOp.SUM, "warm-up").toList() shouldBe listOf(2.0)
                p.waitFor(30, TimeUnit.SECONDS) shouldBe true
                val t0 = System.nanoTime()
                val e = shouldThrow<DistException> { g.allReduce(doubleArrayOf(1.0), ReduceOp.SUM, "gradients") }
                e.message shouldContain "rank 0 of 2: all_reduce(gradients) #2 failed"
                e.message shouldContain "rank 1 did not take part"
                (System.nanoTime() - t0) / 1_000_000 shouldBeLessThan 15_000L
            }
        } finally {
            p.destroyForcibly()
        }
    }

    "a rank that hangs ends the other's collective within the timeout, naming the rank" {
        val port = LocalRanks.freePort()
        val p = child("hang", port, 3)
        try {
            ProcessGroup.connect(Rendezvous.local(port, 0, 2, Duration.ofSeconds(3))).use { g ->
                g.allReduce(doubleArrayOf(1.0), ReduceOp.SUM, "warm-up")
                val t0 = System.nanoTime()
                val e = shouldThrow<DistException> { g.allReduce(doubleArrayOf(1.0), ReduceOp.SUM, "gradients") }
                e.message shouldContain "all_reduce(gradients) #2 failed within the 3 s timeout"
                e.message shouldContain "rank 1 did not take part"
                (System.nanoTime() - t0) / 1_000_000 shouldBeLessThan 15_000L
            }
        } finally {
            p.destroyForcibly()
        }
    }

    "torchrun variables: a missing or malformed one is named" {
        shouldThrow<IllegalArgumentException> { Rendezvous.fromEnvironment(mapOf("WORLD_SIZE" to "2", "RANK" to "0", "MASTER_PORT" to "1"), Duration.ofSeconds(1)) }
            .message shouldContain "MASTER_ADDR is not set"
        shouldThrow<IllegalArgumentException> { Rendezvous.fromEnvironment(mapOf("WORLD_SIZE" to "2", "RANK" to "x", "MASTER_ADDR" to "h", "MASTER_PORT" to "1"), Duration.ofSeconds(1)) }
            .message shouldContain "RANK must be an integer, found 'x'"
        shouldThrow<IllegalArgumentException> { Rendezvous.fromEnvironment(mapOf("WORLD_SIZE" to "2", "RANK" to "2", "MASTER_ADDR" to "h", "MASTER_PORT" to "1"), Duration.ofSeconds(1)) }
            .message shouldContain "RANK must be in [0, 2), found 2"
    }
})
