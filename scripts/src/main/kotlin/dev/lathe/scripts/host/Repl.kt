package dev.lathe.scripts.host

import java.io.BufferedReader
import java.io.PrintStream
import kotlinx.coroutines.runBlocking
import kotlin.script.experimental.api.ResultValue
import kotlin.script.experimental.api.ResultWithDiagnostics
import kotlin.script.experimental.api.ScriptDiagnostic
import kotlin.script.experimental.api.SourceCode
import kotlin.script.experimental.api.valueOrNull
import kotlin.script.experimental.host.toScriptSource
import kotlin.script.experimental.jvm.BasicJvmReplEvaluator
import kotlin.script.experimental.jvm.defaultJvmScriptingHostConfiguration
import org.jetbrains.kotlin.scripting.compiler.plugin.impl.KJvmReplCompilerBase
import org.jetbrains.kotlin.scripting.compiler.plugin.repl.ReplCodeAnalyzerBase

/**
 * A Kotlin REPL with the engine and the script sugar imported. State (vals, funs, tensors)
 * carries from snippet to snippet; a compile error or an exception reports and leaves the
 * session as it was. Tensors made at the top level belong to the thread's root scope.
 * Snippets must all be evaluated on one thread (scopes and grad mode are thread-local).
 */
class Repl(private val out: PrintStream, private val err: PrintStream) {
    private val compiler = KJvmReplCompilerBase<ReplCodeAnalyzerBase>(defaultJvmScriptingHostConfiguration)
    private val evaluator = BasicJvmReplEvaluator()
    private val compilation = ScriptConfigs.repl()
    private val evaluation = ScriptConfigs.replEvaluation()
    private var counter = 0

    private companion object {
        /** How messages name the REPL's input: `stdin:12:5: error: ...`. */
        const val SOURCE_NAME = "stdin"
    }

    /** The outcome of one snippet. */
    sealed interface Outcome {
        /** An expression's value (null text for Unit / declarations). */
        data class Ok(val text: String?) : Outcome
        data class Failed(val message: String) : Outcome
        /** The snippet is unfinished (e.g. `fun f() =` at the end of a line): read more. */
        data object Incomplete : Outcome
    }

    /** Compiles and runs one snippet; [firstLine] is its first line's number in the input (for messages). */
    fun eval(code: String, firstLine: Int = 1): Outcome {
        val n = ++counter
        val source: SourceCode = code.toScriptSource("line$n.repl.kts")
        val compiled = runBlocking { compiler.compile(listOf(source), compilation) }
        if (compiled.reports.any { it.message == "Incomplete code" }) {
            counter--
            return Outcome.Incomplete
        }
        val snippets = compiled.valueOrNull()
            ?: return Outcome.Failed(compiled.reports.filter(ScriptErrors::isError).joinToString("\n") { diagnostic(it, firstLine) })
        val evaluated = runBlocking { evaluator.eval(snippets, evaluation) }
        val result = evaluated.valueOrNull()?.get()?.result
            ?: return Outcome.Failed(evaluated.reports.joinToString("\n") { diagnostic(it, firstLine) })
        return when (result) {
            is ResultValue.Value -> Outcome.Ok(render(result.value))
            is ResultValue.Error -> Outcome.Failed(ScriptErrors.exception(result.error, "line$n.repl.kts", SOURCE_NAME, firstLine - 1))
            else -> Outcome.Ok(null)
        }
    }

    private fun diagnostic(d: ScriptDiagnostic, firstLine: Int): String {
        val loc = d.location?.start
        val where = if (loc != null) "$SOURCE_NAME:${firstLine + loc.line - 1}:${loc.col}: " else ""
        val kind = if (ScriptErrors.isError(d)) "error" else "warning"
        return d.exception?.let { "$where$kind: ${it.message ?: it}" } ?: "$where$kind: ${d.message}"
    }

    private fun render(v: Any?): String = when (v) {
        is Array<*> -> v.contentToString()
        is FloatArray -> v.contentToString()
        is DoubleArray -> v.contentToString()
        is LongArray -> v.contentToString()
        is IntArray -> v.contentToString()
        is BooleanArray -> v.contentToString()
        else -> v.toString()
    }

    /**
     * Reads snippets from [input] until EOF or `:quit`. A snippet spans lines while brackets are
     * open. [interactive] adds prompts; without it only results and errors are printed (for
     * pipes and tests). Returns the number of snippets that failed.
     */
    fun loop(input: BufferedReader, interactive: Boolean): Int {
        var failures = 0
        val pending = StringBuilder()
        var lineNo = 0
        var start = 1
        while (true) {
            if (interactive) out.print(if (pending.isEmpty()) "lathe> " else "...... ").also { out.flush() }
            val line = input.readLine() ?: break
            lineNo++
            if (pending.isEmpty() && line.trim() == ":quit") break
            if (pending.isEmpty() && line.isBlank()) continue
            if (pending.isEmpty()) start = lineNo
            pending.append(line).append('\n')
            if (Brackets.open(pending) > 0) continue
            when (val o = eval(pending.toString(), start)) {
                is Outcome.Ok -> o.text?.let { out.println(it) }
                is Outcome.Failed -> { failures++; err.println(o.message) }
                Outcome.Incomplete -> continue
            }
            pending.setLength(0)
        }
        if (pending.isNotBlank()) {
            err.println("error: input ended inside an unfinished snippet: ${pending.toString().trim().lines().first()} ...")
            failures++
        }
        out.flush()
        return failures
    }
}
