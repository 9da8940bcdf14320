package dev.lathe.scripts.cli

import dev.lathe.engine.dist.LocalRanks
import java.io.PrintStream
import java.time.Duration
import java.util.concurrent.TimeUnit

/**
 * `--num-processes N`: starts N ranks of this same command as child JVMs on loopback (torchrun's
 * variables in each environment, cores / N libtorch threads each unless LATHE_THREADS is set) and
 * supervises them. Rank 0's output passes through; other ranks' lines are prefixed `[rank r]`. When a
 * rank fails, the others get the collective timeout (plus a margin) to fail on their own with the
 * error that names it, then are stopped; the exit code is the first failing rank's.
 */
object LocalLaunch {
    const val MAIN = "dev.lathe.scripts.MainKt"

    fun run(args: List<String>, n: Int, timeout: Duration, log: PrintStream = System.err): Int {
        val port = LocalRanks.freePort()
        val threads = System.getenv("LATHE_THREADS")?.takeIf { it.isNotBlank() }?.toInt() ?: LocalRanks.threadsPerRank(n)
        log.println("starting $n ranks on 127.0.0.1:$port, $threads libtorch thread(s) each")
        val procs = (0 until n).map { r -> start(args, port, r, n, threads) }
        val stopAll = Thread { procs.forEach { it.destroyForcibly() } }
        Runtime.getRuntime().addShutdownHook(stopAll) // an interrupted launcher takes its ranks with it
        val pumps = procs.withIndex().filter { it.index > 0 }.map { (r, p) -> pump(p, "[rank $r] ", log) }
        val code = supervise(procs, timeout.plusSeconds(30), log)
        pumps.forEach { it.join(2000) }
        runCatching { Runtime.getRuntime().removeShutdownHook(stopAll) }
        return code
    }

    private fun start(args: List<String>, port: Int, rank: Int, n: Int, threads: Int): Process {
        val pb = ProcessBuilder(LocalRanks.javaCommand(MAIN, args))
        pb.environment().putAll(LocalRanks.environment(port, rank, n, threads))
        if (rank == 0) pb.inheritIO() else pb.redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.INHERIT)
        return pb.start()
    }

    private fun pump(p: Process, prefix: String, log: PrintStream): Thread = Thread {
        p.inputStream.bufferedReader().useLines { lines -> lines.forEach { synchronized(log) { log.println(prefix + it) } } }
    }.apply { isDaemon = true; start() }

    /** Waits for every rank; after the first failure, gives the rest `grace` to end, then stops them. */
    private fun supervise(procs: List<Process>, grace: Duration, log: PrintStream): Int {
        var failure: Pair<Int, Int>? = null
        var deadline = Long.MAX_VALUE
        while (procs.any { it.isAlive }) {
            procs.withIndex().firstOrNull { (_, p) -> !p.isAlive && p.exitValue() != 0 }?.let { (r, p) ->
                if (failure == null) {
                    failure = r to p.exitValue()
                    log.println("rank $r exited with code ${p.exitValue()}; waiting up to ${grace.toSeconds()} s for the other ranks to stop")
                    deadline = System.nanoTime() + grace.toNanos()
                }
            }
            if (System.nanoTime() > deadline) {
                procs.withIndex().filter { it.value.isAlive }.forEach { (r, p) -> log.println("stopping rank $r"); p.destroyForcibly() }
            }
            procs.firstOrNull { it.isAlive }?.waitFor(200, TimeUnit.MILLISECONDS)
        }
        val first = failure ?: procs.withIndex().firstOrNull { it.value.exitValue() != 0 }?.let { it.index to it.value.exitValue() }
        return first?.second ?: 0
    }
}
