package dev.lathe.scripts.bench

import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.ObjectMapper
import java.io.File
import java.util.concurrent.TimeUnit

/**
 * Runs a committed Python peer benchmark (a bench/ script, PyTorch eager from Debian's
 * python3-torch) as a subprocess and returns the JSON line it prints last.
 */
object PythonPeer {
    fun run(python: String, script: File, args: List<String>, timeoutSeconds: Long = 600): JsonNode {
        require(script.isFile) { "peer script $script not found (run from the Lathe checkout or set LATHE_REPO)" }
        val cmd = listOf(python, script.path) + args
        val proc = try {
            ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start()
        } catch (e: java.io.IOException) {
            throw IllegalStateException("cannot start $python (${e.message}); install python3-torch or pass --python", e)
        }
        val out = proc.inputStream.bufferedReader().readText()
        if (!proc.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            proc.destroyForcibly()
            throw IllegalStateException("${cmd.joinToString(" ")} did not finish within $timeoutSeconds s")
        }
        check(proc.exitValue() == 0) { "${cmd.joinToString(" ")} failed with exit code ${proc.exitValue()}:\n$out" }
        val json = out.lines().lastOrNull { it.trim().startsWith("{") }
            ?: throw IllegalStateException("${script.name} printed no JSON line; it printed:\n$out")
        return ObjectMapper().readTree(json)
    }

    /** The repository root: LATHE_REPO (set by ./lathe), else the working directory. */
    fun repoRoot(): File = System.getenv("LATHE_REPO")?.takeIf { it.isNotBlank() }?.let(::File) ?: File(".").absoluteFile
}
