package dev.lathe.scripts.cli

import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.Context
import com.github.ajalt.clikt.core.ProgramResult
import com.github.ajalt.clikt.core.context
import com.github.ajalt.clikt.parameters.arguments.argument
import com.github.ajalt.clikt.parameters.arguments.multiple
import com.github.ajalt.clikt.parameters.options.flag
import com.github.ajalt.clikt.parameters.options.option
import dev.lathe.scripts.host.ScriptCache
import dev.lathe.scripts.host.ScriptHost
import java.io.File

/** `lathe run FILE.main.kts [args]`: runs a Kotlin recipe with the engine imported. */
class RunCommand : CliktCommand(name = "run") {
    override fun help(context: Context) =
        "Run a Kotlin recipe script (FILE.main.kts). Arguments after FILE go to the script as `args`. " +
            "Compiled scripts are cached, so an unchanged recipe starts fast the second time."

    init {
        // everything after FILE belongs to the script, even when it looks like an option
        context { allowInterspersedArgs = false }
    }

    private val noCache by option("--no-cache", help = "compile afresh and do not store the compiled script").flag()
    private val file by argument("FILE", help = "the recipe, e.g. recipes/xor.main.kts")
    private val scriptArgs by argument("ARGS", help = "passed to the script as `args`").multiple()

    override fun run() {
        val host = ScriptHost(if (noCache) null else ScriptCache.defaultRoot())
        val code = host.run(File(file), scriptArgs, file)
        if (code != 0) throw ProgramResult(code)
    }
}
