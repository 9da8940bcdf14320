package dev.lathe.scripts.bench

import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.ObjectMapper
import java.io.File
import java.lang.management.ManagementFactory
import java.util.concurrent.TimeUnit

/**
 * The benchmark protocol on a shared machine: Lathe and its peer each run in a fresh process, the
 * two alternate over several rounds (round r starts with the peer when r is even, with Lathe when
 * odd), and the figures are medians of per-round ratios, so a burst of load from other users hits
 * both sides of a round instead of deciding the result.
 */
object Rounds {
    /** One side of one round: its JSON line (step_s, peak_rss_mb, ...) and the load average when it started. */
    class Run(val round: Int, val json: JsonNode, val load: Double)

    /** Runs [rounds] alternating rounds of [lathe] and [peer] (each a command line printing a JSON line last). */
    fun alternate(rounds: Int, lathe: List<String>, peer: List<String>, onRun: (Run) -> Unit): List<Pair<Run, Run>> =
        (0 until rounds).map { r ->
            fun side(isPeer: Boolean): Run {
                val load = loadAverage()
                return Run(r, if (isPeer) jsonLine(peer, unset = PEER_UNSET) else jsonLine(lathe), load).also(onRun)
            }
            if (r % 2 == 0) side(true).let { p -> side(false) to p } else side(false).let { l -> l to side(true) }
        }

    /**
     * The peer runs as PyTorch users run it: without the allocator the launcher preloads for Lathe
     * (LD_PRELOAD is inherited by child processes otherwise).
     */
    private val PEER_UNSET = listOf("LD_PRELOAD", "TCMALLOC_LARGE_ALLOC_REPORT_THRESHOLD")

    /** The command that starts this JVM again with the same flags and class path on [mainArgs]. */
    fun sameJvm(mainArgs: List<String>): List<String> {
        val java = ProcessHandle.current().info().command().orElse("java")
        val flags = ManagementFactory.getRuntimeMXBean().inputArguments
        return listOf(java) + flags + listOf("-cp", System.getProperty("java.class.path"), "dev.lathe.scripts.MainKt") + mainArgs
    }

    /** Runs cmd, passing its stderr through, and returns the last line of its stdout that is a JSON object. */
    fun jsonLine(cmd: List<String>, timeoutSeconds: Long = 3600, unset: List<String> = emptyList()): JsonNode {
        val proc = try {
            ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).also { pb -> unset.forEach { pb.environment().remove(it) } }.start()
        } catch (e: java.io.IOException) {
            throw IllegalStateException("cannot start ${cmd.first()} (${e.message})", e)
        }
        val out = proc.inputStream.bufferedReader().readText()
        if (!proc.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            proc.destroyForcibly()
            throw IllegalStateException("${cmd.joinToString(" ")} did not finish within $timeoutSeconds s")
        }
        check(proc.exitValue() == 0) { "${cmd.joinToString(" ")} failed with exit code ${proc.exitValue()}:\n$out" }
        val json = out.lines().lastOrNull { it.trim().startsWith("{") }
            ?: throw IllegalStateException("${cmd.joinToString(" ")} printed no JSON line; it printed:\n$out")
        return ObjectMapper().readTree(json)
    }

    /** The 1-minute load average (/proc/loadavg), NaN where unreadable. */
    fun loadAverage(): Double = runCatching { File("/proc/loadavg").readText().trim().split(" ")[0].toDouble() }.getOrDefault(Double.NaN)

    fun median(xs: List<Double>): Double {
        val s = xs.sorted()
        return if (s.size % 2 == 1) s[s.size / 2] else (s[s.size / 2 - 1] + s[s.size / 2]) / 2
    }
}
