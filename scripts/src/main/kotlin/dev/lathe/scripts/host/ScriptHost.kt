package dev.lathe.scripts.host

import dev.lathe.engine.tensor.Scope
import java.io.File
import java.io.PrintStream
import kotlin.script.experimental.api.ResultValue
import kotlin.script.experimental.api.ResultWithDiagnostics
import kotlin.script.experimental.api.ScriptCompilationConfiguration
import kotlin.script.experimental.api.ScriptDiagnostic
import kotlin.script.experimental.host.ScriptingHostConfiguration
import kotlin.script.experimental.host.toScriptSource
import kotlin.script.experimental.jvmhost.BasicJvmScriptingHost

/**
 * Compiles (or loads from the cache) and runs `*.main.kts` recipes in this JVM. The script's
 * tensors live in a scope that closes when it ends. Errors go to [err] naming the script's
 * file and line; [run] returns the process exit code.
 */
class ScriptHost(cacheDir: File? = ScriptCache.defaultRoot(), private val err: PrintStream = System.err) {
    private val hostConfig: ScriptingHostConfiguration = ScriptConfigs.host(cacheDir)
    private val scripting: BasicJvmScriptingHost = BasicJvmScriptingHost(hostConfig)
    private val compilation: ScriptCompilationConfiguration = ScriptConfigs.compilation(hostConfig)

    /** 0 when the script ran to the end, 1 on a compile error or an exception, 2 when missing. */
    fun run(file: File, args: List<String> = emptyList(), displayPath: String = file.path): Int {
        if (!file.isFile) {
            err.println("lathe run: $displayPath: no such file")
            return 2
        }
        val result = Scope.open().use {
            scripting.eval(file.toScriptSource(), compilation, ScriptConfigs.evaluation(args.toTypedArray()))
        }
        for (d in result.reports) {
            if (d.severity >= ScriptDiagnostic.Severity.WARNING) err.println(ScriptErrors.diagnostic(d, displayPath))
        }
        return when (result) {
            is ResultWithDiagnostics.Failure -> 1
            is ResultWithDiagnostics.Success -> when (val rv = result.value.returnValue) {
                is ResultValue.Error -> {
                    err.println(ScriptErrors.exception(rv.error, ScriptErrors.scriptFileName(displayPath), displayPath))
                    1
                }
                else -> 0
            }
        }
    }
}
