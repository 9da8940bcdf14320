package dev.lathe.scripts.bench

import com.fasterxml.jackson.databind.JsonNode
import java.io.File

/**
 * Runs a committed Python peer benchmark (a bench/ script, PyTorch eager from Debian's
 * python3-torch) as a subprocess and returns the JSON line it prints last.
 */
object PythonPeer {
    fun run(python: String, script: File, args: List<String>, timeoutSeconds: Long = 600): JsonNode {
        require(script.isFile) { "peer script $script not found (run from the Lathe checkout or set LATHE_REPO)" }
        return Rounds.jsonLine(command(python, script, args), timeoutSeconds)
    }

    /** The peer's command line. */
    fun command(python: String, script: File, args: List<String>): List<String> {
        require(script.isFile) { "peer script $script not found (run from the Lathe checkout or set LATHE_REPO)" }
        return listOf(python, script.path) + args
    }

    /** The repository root: LATHE_REPO (set by ./lathe), else the working directory. */
    fun repoRoot(): File = System.getenv("LATHE_REPO")?.takeIf { it.isNotBlank() }?.let(::File) ?: File(".").absoluteFile
}
