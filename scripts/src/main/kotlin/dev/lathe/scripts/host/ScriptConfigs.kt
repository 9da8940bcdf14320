package dev.lathe.scripts.host

import java.io.File
import kotlin.script.experimental.api.ScriptCompilationConfiguration
import kotlin.script.experimental.api.ScriptEvaluationConfiguration
import kotlin.script.experimental.api.baseClass
import kotlin.script.experimental.api.constructorArgs
import kotlin.script.experimental.api.defaultImports
import kotlin.script.experimental.api.hostConfiguration
import kotlin.script.experimental.host.ScriptingHostConfiguration
import kotlin.script.experimental.jvm.baseClassLoader
import kotlin.script.experimental.jvm.compilationCache
import kotlin.script.experimental.jvm.defaultJvmScriptingHostConfiguration
import kotlin.script.experimental.jvm.jvm
import kotlin.script.experimental.jvm.jvmTarget
import kotlin.script.experimental.jvm.loadDependencies
import kotlin.script.experimental.jvm.updateClasspath

/**
 * The base class of every `*.main.kts` recipe: `args` holds the command-line arguments after
 * the script's path, as in kotlin-main-kts.
 */
abstract class LatheScript(val args: Array<String>)

/** Compilation and evaluation settings shared by `lathe run` and the REPL. */
object ScriptConfigs {
    /** Where compiled scripts are kept; null disables the cache. */
    fun host(cacheDir: File?): ScriptingHostConfiguration = ScriptingHostConfiguration(defaultJvmScriptingHostConfiguration) {
        if (cacheDir != null) jvm { compilationCache(ScriptCache(cacheDir)) }
    }

    /** Scripts: LatheScript base, default imports, the project classpath, JVM 25 bytecode (the
     *  default target 1.8 cannot inline the project's inline functions). */
    fun compilation(host: ScriptingHostConfiguration): ScriptCompilationConfiguration = ScriptCompilationConfiguration {
        baseClass(LatheScript::class)
        common()
        hostConfiguration(host)
    }

    /** Definition files (`rewards.kts`): a script class whose top-level functions the YAML binder looks up by name. */
    fun definitions(host: ScriptingHostConfiguration): ScriptCompilationConfiguration = ScriptCompilationConfiguration {
        baseClass(LatheScript::class)
        common(DefaultImports.DEFINITIONS)
        hostConfiguration(host)
    }

    /** REPL snippets: the same without a base class (snippets have no constructor args). */
    fun repl(): ScriptCompilationConfiguration = ScriptCompilationConfiguration { common() }

    private fun ScriptCompilationConfiguration.Builder.common(imports: List<String> = DefaultImports.ALL) {
        defaultImports(imports)
        jvm {
            updateClasspath(ScriptClasspath.forScripts)
            jvmTarget("25")
        }
    }

    /** Scripts run on the host's class loader, so they share its engine classes (thread-local
     *  scopes, the loaded native library) instead of loading a second copy. */
    fun evaluation(args: Array<String>): ScriptEvaluationConfiguration = ScriptEvaluationConfiguration {
        constructorArgs(args)
        hostShared()
    }

    /** The REPL evaluator chains each snippet's class loader to the previous one's; only the
     *  first needs the host's loader as its parent (parent-first lookup then shares its classes). */
    fun replEvaluation(): ScriptEvaluationConfiguration = ScriptEvaluationConfiguration {
        jvm { baseClassLoader(LatheScript::class.java.classLoader) }
    }

    private fun ScriptEvaluationConfiguration.Builder.hostShared() {
        jvm {
            baseClassLoader(LatheScript::class.java.classLoader)
            loadDependencies(false)
        }
    }
}
