package dev.lathe.scripts.bench

import dev.lathe.engine.dist.ProcessGroup
import dev.lathe.engine.dist.ReduceOp
import dev.lathe.engine.dist.Rendezvous
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensors
import java.time.Duration
import kotlin.system.exitProcess

/**
 * One rank of `lathe bench dist`'s all-reduce measurement (started with torchrun's variables):
 * NUMEL float32 split into PIECES tensors (like a model's gradients, so the shim's flatten into
 * buckets and copy back are counted) summed ITERS times; rank 0 prints the median ms as JSON.
 */
object AllReduceWorker {
    @JvmStatic
    fun main(args: Array<String>) {
        val (numel, iters, pieces) = args.map { it.toLong() }
        ProcessGroup.connect(Rendezvous.fromEnvironment(System.getenv(), Duration.ofMinutes(5))).use { g ->
            Scope.open().use {
                val grads = (0 until pieces).map { Tensors.ones(numel / pieces) }
                repeat(3) { g.allReduce(grads, ReduceOp.SUM, ProcessGroup.DEFAULT_BUCKET_BYTES, "warm-up") }
                val times = (0 until iters).map {
                    g.barrier("align")
                    val t0 = System.nanoTime()
                    g.allReduce(grads, ReduceOp.SUM, ProcessGroup.DEFAULT_BUCKET_BYTES, "gradients")
                    (System.nanoTime() - t0) / 1e6
                }.sorted()
                if (g.rank() == 0) println("""{"side":"lathe","numel":$numel,"median_ms":${times[times.size / 2]}}""")
            }
        }
        exitProcess(0)
    }
}
