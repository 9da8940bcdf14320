package dev.lathe.scripts.host

import java.io.File
import java.nio.file.Path
import kotlin.script.experimental.api.ResultValue
import kotlin.script.experimental.api.ResultWithDiagnostics
import kotlin.script.experimental.api.ScriptDiagnostic
import kotlin.script.experimental.host.toScriptSource
import kotlin.script.experimental.jvmhost.BasicJvmScriptingHost

/**
 * Compiles and runs a definition file (`rewards.kts` beside a config) once per process and keeps its
 * instance, so `reward_funcs` and `datasets[].type` naming the same file share one compilation and one
 * evaluation. Compiled jars are cached on disk like recipes ([ScriptCache]). A changed file (new
 * modification time or size) is compiled again.
 */
object DefinitionScripts {
    /** An evaluated definition file: the script object whose methods are its top-level functions. */
    class Loaded(val file: Path, val instance: Any) {
        val scriptClass: Class<*> get() = instance.javaClass
    }

    /** A definition file failed to compile or threw while running its top level. */
    class ScriptFailure(message: String) : RuntimeException(message)

    private data class Key(val path: Path, val modified: Long, val size: Long)

    private val loaded = HashMap<Key, Loaded>()
    private val host by lazy {
        val hostConfig = ScriptConfigs.host(ScriptCache.defaultRoot())
        BasicJvmScriptingHost(hostConfig) to ScriptConfigs.definitions(hostConfig)
    }

    @Synchronized
    fun load(file: Path): Loaded {
        val f = file.toAbsolutePath().normalize().toFile()
        val key = Key(f.toPath(), f.lastModified(), f.length())
        return loaded.getOrPut(key) { evaluate(f, file.toString()) }
    }

    private fun evaluate(f: File, displayPath: String): Loaded {
        val (scripting, compilation) = host
        val result = scripting.eval(f.toScriptSource(), compilation, ScriptConfigs.evaluation(emptyArray()))
        val errors = result.reports.filter { it.severity >= ScriptDiagnostic.Severity.ERROR }
        if (result is ResultWithDiagnostics.Failure) {
            throw ScriptFailure(errors.ifEmpty { result.reports }.joinToString("\n") { ScriptErrors.diagnostic(it, displayPath) })
        }
        val rv = (result as ResultWithDiagnostics.Success).value.returnValue
        if (rv is ResultValue.Error) throw ScriptFailure(ScriptErrors.exception(rv.error, ScriptErrors.scriptFileName(displayPath), displayPath))
        val instance = rv.scriptInstance ?: throw ScriptFailure("$displayPath: the script produced no instance")
        return Loaded(f.toPath(), instance)
    }
}
