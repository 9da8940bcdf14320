package dev.lathe.tests.dist

import dev.lathe.engine.dist.ProcessGroup
import dev.lathe.engine.dist.ReduceOp
import dev.lathe.engine.dist.Rendezvous
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensors
import java.time.Duration
import kotlin.system.exitProcess

/**
 * The other rank of ProcessGroupSpec, started as a child JVM with torchrun's variables:
 * `exchange` runs the same collectives as the spec's rank 0 and checks its own results;
 * `die` joins, takes part in one all-reduce and exits; `hang` joins, takes part once, then sleeps.
 */
object DistWorker {
    @JvmStatic
    fun main(args: Array<String>) {
        val timeout = Duration.ofSeconds(args.getOrNull(1)?.toLong() ?: 20)
        ProcessGroup.connect(Rendezvous.fromEnvironment(System.getenv(), timeout)).use { g ->
            when (args[0]) {
                "exchange" -> exchange(g).let { bad -> if (bad.isNotEmpty()) { System.err.println(bad.joinToString("\n")); exitProcess(1) } }
                "die" -> { g.allReduce(doubleArrayOf(1.0), ReduceOp.SUM, "warm-up"); Runtime.getRuntime().halt(3) }
                "hang" -> { g.allReduce(doubleArrayOf(1.0), ReduceOp.SUM, "warm-up"); Thread.sleep(600_000) }
                else -> error("unknown scenario ${args[0]}")
            }
        }
        println("worker ok")
        exitProcess(0)
    }

    /** The spec's expectations, from this rank's side (rank r contributes r + 1). */
    fun exchange(g: ProcessGroup): List<String> {
        val bad = mutableListOf<String>()
        fun check(what: String, got: Any, want: Any) { if (got != want) bad += "rank ${g.rank()}: $what = $got, expected $want" }
        val r = g.rank().toDouble() + 1
        val w = g.world()
        val sumAll = (1..w).sum().toDouble()
        Scope.open().use {
            val a = Tensors.of(floatArrayOf(r.toFloat(), 2 * r.toFloat()))
            val b = Tensors.of(doubleArrayOf(r, r, r), 3)
            g.allReduce(listOf(a, b), ReduceOp.SUM, 8, "sum, two buckets")
            check("all_reduce sum", a.toFloatArray().toList(), listOf(sumAll.toFloat(), 2 * sumAll.toFloat()))
            check("all_reduce sum (f64)", b.toDoubleArray().toList(), listOf(sumAll, sumAll, sumAll))
            check("all_reduce avg", g.allReduce(doubleArrayOf(r), ReduceOp.AVG, "avg").toList(), listOf(sumAll / w))
            check("all_reduce max", g.allReduce(doubleArrayOf(r), ReduceOp.MAX, "max").toList(), listOf(w.toDouble()))
            val c = Tensors.of(longArrayOf(10L * (g.rank() + 1), 7))
            g.broadcast(listOf(c), 0, "from rank 0")
            check("broadcast", c.toLongArray().toList(), listOf(10L, 7L))
            val gathered = g.allGather(Tensors.of(floatArrayOf(r.toFloat())), "one float")
            check("all_gather shape", gathered.shape().toList(), listOf(w.toLong(), 1L))
            check("all_gather", gathered.toFloatArray().toList(), (1..w).map { it.toFloat() })
            // variable lengths: rank k sends k + 1 values k*10, k*10+1, ...
            val mine = DoubleArray(g.rank() + 1) { g.rank() * 10.0 + it }
            val all = g.allGather(mine, "rewards")
            check("all_gather doubles", all.map { it.toList() }, (0 until w).map { k -> List(k + 1) { k * 10.0 + it } })
            g.barrier("end")
        }
        return bad
    }
}
