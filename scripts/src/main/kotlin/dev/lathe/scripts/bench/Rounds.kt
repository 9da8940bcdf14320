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
    /** One side of one round: its JSON line (step_s, peak_rss_mb, ...), its process's load average at the start. */
    class Run(val round: Int, val json: JsonNode, val load: Double)

    /** Runs [rounds] alternating rounds of [lathe] and [peer] (each a command line printing a JSON line last). */
    fun alternate(rounds: Int, lathe: List<String>, peer: List<String>, onRun: (Run) -> Unit): List<Pair<Run, Run>> =
        (0 until rounds).map { r ->
            val first = if (r % 2 == 0) peer else lathe
            val a = Run(r, jsonLine(first), loadAverage()).also(onRun)
            val b = Run(r, jsonLine(if (r % 2 == 0) lathe else peer), loadAverage()).also(onRun)
            if (r % 2 == 0) b to a else a to b
        }

    /** The command that starts this JVM again with the same flags and class path on [mainArgs]. */
    fun sameJvm(mainArgs: List<String>): List<String> {
        val java = ProcessHandle.current().info().command().orElse("java")
        val flags = ManagementFactory.getRuntimeMXBean().inputArguments
        return listOf(java) + flags + listOf("-cp", System.getProperty("java.class.path"), "dev.lathe.scripts.MainKt") + mainArgs
    }

    /** Runs cmd, passing its stderr through, and returns the last line of its stdout that is a JSON object. */
    fun jsonLine(cmd: List<String>, timeoutSeconds: Long = 3600): JsonNode {
        val proc = try {
            ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start()
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
