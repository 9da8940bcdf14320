package dev.lathe.tests.tensor

import dev.lathe.engine.tensor.Grad
import dev.lathe.engine.tensor.Runtime
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensor
import dev.lathe.engine.tensor.Tensors
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import java.nio.file.Files
import java.nio.file.Path

/** Proves the Scope model: many training steps of an MLP leave no native tensor behind. */
class LeakSpec : StringSpec({
    fun rssKb(): Long = Files.readAllLines(Path.of("/proc/self/status"))
        .first { it.startsWith("VmRSS:") }.split(Regex("\\s+"))[1].toLong()

    "1000+ forward/backward/update steps of an MLP return the live-handle count to baseline; RSS stays bounded" {
        Runtime.seed(0)
        val params = Scope.detached()
        val w1 = params.own(Tensors.randn(16, 32).mul(0.1).requiresGrad_(true))
        val w2 = params.own(Tensors.randn(32, 1).mul(0.1).requiresGrad_(true))
        val x = params.own(Tensors.randn(64, 16))
        val y = params.own(x.sum(1, true).sign())
        fun step(): Double = Scope.open().use {
            val loss = x.matmul(w1).relu().matmul(w2).sub(y).pow(2.0).mean()
            loss.backward()
            Grad.disabled().use {
                for (w: Tensor in listOf(w1, w2)) {
                    w.sub_(w.grad()!!.mul(0.05))
                    w.zeroGrad()
                }
            }
            loss.item()
        }
        repeat(200) { step() } // warm-up: allocator pools and JIT settle
        val baseline = Tensors.liveCount()
        val rss0 = rssKb()
        var first = 0.0
        var last = 0.0
        repeat(1200) { i -> val l = step(); if (i == 0) first = l; last = l }
        Tensors.liveCount() shouldBe baseline
        (rssKb() - rss0) shouldBeLessThan 30_000L // 30 MB
        (last < first * 0.5) shouldBe true // the MLP learned: loss at least halved
        params.close()
    }
})
