package dev.lathe.scripts.cli

import com.fasterxml.jackson.databind.ObjectMapper
import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.Context
import com.github.ajalt.clikt.core.ProgramResult
import com.github.ajalt.clikt.parameters.options.default
import com.github.ajalt.clikt.parameters.options.flag
import com.github.ajalt.clikt.parameters.options.option
import com.github.ajalt.clikt.parameters.types.int
import com.github.ajalt.clikt.parameters.types.restrictTo
import dev.lathe.engine.tensor.Runtime
import dev.lathe.scripts.bench.BridgeBench
import dev.lathe.scripts.bench.PythonPeer
import java.io.File

/** `lathe bench bridge`: per-op overhead of the FFM bridge vs PyTorch eager, same run, same threads. */
class BenchBridgeCommand : CliktCommand(name = "bridge") {
    override fun help(context: Context) =
        "Per-op time of small tensor ops through Lathe's bridge vs the same ops in PyTorch eager (bench/bridge_peer.py)"

    private val iters by option("--iters", help = "calls per round").int().restrictTo(100..100_000_000).default(20_000)
    private val rounds by option("--rounds", help = "rounds per op (the fastest is reported)").int().restrictTo(1..100).default(7)
    private val threads by option("--threads", help = "intra-op threads on both sides (default: Lathe's setting)").int().restrictTo(1..1024)
    private val python by option("--python", help = "the peer's interpreter").default("/usr/bin/python3")
    private val noPeer by option("--no-peer", help = "measure Lathe only").flag()
    private val wall by option("--wall", help = "time with the wall clock instead of the calling thread's CPU time").flag()

    override fun run() {
        threads?.let { Runtime.setThreads(it) }
        val n = Runtime.threads()
        val lathe = BridgeBench.run(iters, rounds, cpuClock = !wall)
        val clock = if (wall) "wall" else "thread-cpu"
        val mapper = ObjectMapper()
        val latheJson = mapOf("bench" to "bridge", "side" to "lathe", "threads" to n, "unit" to "ns/op", "clock" to clock,
            "libtorch" to Runtime.libtorchVersion(), "ops" to lathe)
        if (noPeer) {
            table(lathe, null)
            echo(mapper.writeValueAsString(latheJson))
            return
        }
        val peer = runCatching {
            PythonPeer.run(python, File(PythonPeer.repoRoot(), "bench/bridge_peer.py"),
                listOf("--iters", "$iters", "--rounds", "$rounds", "--threads", "$n", "--clock", clock))
        }.getOrElse {
            table(lathe, null)
            echo(mapper.writeValueAsString(latheJson))
            echo("peer failed: ${it.message}", err = true)
            throw ProgramResult(1)
        }
        val torch = BridgeBench.OPS.associateWith { peer["ops"]?.get(it)?.asDouble() ?: Double.NaN }
        table(lathe, torch)
        echo(mapper.writeValueAsString(latheJson))
        echo(mapper.writeValueAsString(peer))
    }

    private fun table(lathe: Map<String, Double>, torch: Map<String, Double>?) {
        echo("%-18s %12s %12s %8s".format("op", "lathe ns/op", "torch ns/op", "ratio"))
        for (op in BridgeBench.OPS) {
            val l = lathe.getValue(op)
            val t = torch?.get(op)
            val ratio = if (t != null && t > 0) "%.2f".format(l / t) else "-"
            echo("%-18s %12.0f %12s %8s".format(op, l, t?.let { "%.0f".format(it) } ?: "-", ratio))
        }
        if (torch != null) {
            val logs = BridgeBench.OPS.map { Math.log(lathe.getValue(it) / torch.getValue(it)) }.filter { it.isFinite() }
            echo("geometric mean ratio (lathe / torch; < 1 means Lathe is faster): %.2f".format(Math.exp(logs.average())))
        }
    }
}
