package dev.lathe.scripts.bench

import dev.lathe.engine.tensor.Aten
import dev.lathe.engine.tensor.Grad
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensor
import dev.lathe.engine.tensor.Tensors

/**
 * Per-op cost of calling libtorch through the bridge, for ops so small that the call itself
 * dominates. The same ops, on the same shapes, are in bench/bridge_peer.py (PyTorch eager):
 * keep the two lists in step. Each result is freed at once with close(), as Python frees it when
 * dropped: both sides then reuse the same, cache-hot memory. (Leaving 100 results to their
 * scope's end instead costs ~0.4 us more per add[4] on this machine: colder memory.)
 */
object BridgeBench {
    /** Op names shared with the Python peer, in report order. */
    val OPS = listOf("dim", "add[4]", "mul_scalar[4]", "matmul[8x8]", "sum[8x8]", "view[8x8->64]", "softmax[8x8]", "dispatch_add[4]")

    /**
     * ns per op for each of [OPS]: the fastest of [rounds] rounds of [iters] calls, after a warm-up.
     * The minimum, as timeit advises: slower rounds measure other processes, not the op.
     */
    fun run(iters: Int, rounds: Int, cpuClock: Boolean = true, warmupNanos: Long = WARMUP_NANOS): Map<String, Double> = Grad.noGrad {
        Scope.open().use {
            val a = Tensors.randn(4)
            val b = Tensors.randn(4)
            val m = Tensors.randn(8, 8)
            val m2 = Tensors.randn(8, 8)
            val ops: Map<String, () -> Any> = mapOf(
                "dim" to { a.dim() },
                "add[4]" to { a.add(b) },
                "mul_scalar[4]" to { a.mul(2.0) },
                "matmul[8x8]" to { m.matmul(m2) },
                "sum[8x8]" to { m.sum() },
                "view[8x8->64]" to { m.view(64) },
                "softmax[8x8]" to { m.softmax(-1) },
                "dispatch_add[4]" to { Aten.call("aten::add.Tensor", a, b) as Tensor },
            )
            check(ops.keys.toList() == OPS) { "BridgeBench.OPS and its op table disagree" }
            val clock: () -> Long = if (cpuClock) threadCpu::getCurrentThreadCpuTime else System::nanoTime
            ops.mapValues { (_, op) -> time(op, iters, rounds, clock, warmupNanos) }
        }
    }

    private const val BATCH = 100
    private const val WARMUP_NANOS = 500_000_000L

    /**
     * The calling thread's CPU time: on a busy machine wall time mostly measures other processes.
     * These ops are too small for libtorch to hand to its pool threads, so the caller does all the work.
     */
    private val threadCpu = java.lang.management.ManagementFactory.getThreadMXBean()

    private fun time(op: () -> Any, iters: Int, rounds: Int, clock: () -> Long, warmupNanos: Long): Double {
        // warm-up: links the downcalls and lets C2 compile the call path (a few thousand calls are not enough)
        val warmUntil = System.nanoTime() + warmupNanos
        while (System.nanoTime() < warmUntil) loop(op, BATCH * 10)
        val perOp = DoubleArray(rounds) {
            val t0 = clock()
            loop(op, iters)
            (clock() - t0).toDouble() / iters
        }
        return perOp.min()
    }

    /** Runs op n times (rounded up to whole batches), freeing each result at once; the scope
     *  per batch only bounds its list of (already freed) tensors. */
    private fun loop(op: () -> Any, n: Int) {
        var done = 0
        while (done < n) {
            Scope.open().use { repeat(BATCH) { (op() as? Tensor)?.close() } }
            done += BATCH
        }
    }
}
