package dev.lathe.scripts.host

import kotlin.script.experimental.api.ScriptDiagnostic

/**
 * Turns compiler diagnostics and script exceptions into messages that name the script's file
 * and line (`recipes/bad.main.kts:7:5: error: ...`, `Exception in recipes/bad.main.kts:12: ...`)
 * instead of a host stack trace. LATHE_DEBUG=1 adds the full JVM trace.
 */
object ScriptErrors {
    private const val MAX_SCRIPT_FRAMES = 8

    fun diagnostic(d: ScriptDiagnostic, displayPath: String): String {
        val kind = when (d.severity) {
            ScriptDiagnostic.Severity.FATAL, ScriptDiagnostic.Severity.ERROR -> "error"
            ScriptDiagnostic.Severity.WARNING -> "warning"
            else -> "info"
        }
        val loc = d.location?.start
        val where = if (loc != null) "$displayPath:${loc.line}:${loc.col}" else displayPath
        val ex = d.exception
        if (ex != null) return exception(ex, scriptFileName(displayPath), displayPath)
        return "$where: $kind: ${d.message}"
    }

    fun isError(d: ScriptDiagnostic) =
        d.severity == ScriptDiagnostic.Severity.ERROR || d.severity == ScriptDiagnostic.Severity.FATAL

    /** An exception thrown by script code, located at its innermost frame in the script. */
    fun exception(e: Throwable, scriptFileName: String, displayPath: String, lineOffset: Int = 0): String {
        val frames = e.stackTrace.filter { it.fileName == scriptFileName }
        val where = frames.firstOrNull()?.let { "$displayPath:${it.lineNumber + lineOffset}" } ?: displayPath
        val sb = StringBuilder("Exception in $where: ${headline(e)}")
        for (f in frames.drop(1).take(MAX_SCRIPT_FRAMES)) sb.append("\n    at $displayPath:${f.lineNumber + lineOffset}")
        var cause = e.cause
        while (cause != null && cause !== cause.cause) {
            sb.append("\n  caused by ${headline(cause)}")
            cause = cause.cause
        }
        if (debug()) sb.append("\n").append(e.stackTraceToString())
        return sb.toString()
    }

    /** "message" for Lathe and libtorch errors (their messages are written for users), else "Type: message". */
    private fun headline(e: Throwable): String {
        val name = e.javaClass.simpleName.ifEmpty { e.javaClass.name }
        val msg = e.message
        return when {
            msg.isNullOrBlank() -> name
            e is IllegalStateException || e is IllegalArgumentException -> msg
            else -> "$name: $msg"
        }
    }

    fun scriptFileName(displayPath: String) = displayPath.substringAfterLast('/')

    private fun debug() = System.getenv("LATHE_DEBUG").let { it != null && it != "0" && it.isNotBlank() }
}
