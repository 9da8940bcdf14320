package dev.lathe.scripts

import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.Context
import com.github.ajalt.clikt.core.main
import com.github.ajalt.clikt.core.subcommands
import com.github.ajalt.clikt.parameters.options.versionOption
import dev.lathe.scripts.cli.BenchCommand
import dev.lathe.scripts.cli.DoctorCommand
import dev.lathe.scripts.cli.InferenceCommand
import dev.lathe.scripts.cli.InitModelCommand
import dev.lathe.scripts.cli.MergeLoraCommand
import dev.lathe.scripts.cli.ReplCommand
import dev.lathe.scripts.cli.RunCommand
import kotlin.system.exitProcess

/** The `lathe` root command; each subcommand lives in its own file under cli/. */
class Lathe : CliktCommand(name = "lathe") {
    init {
        versionOption(VERSION)
    }

    override val printHelpOnEmptyArgs = true

    override fun help(context: Context) =
        "Preference fine-tuning on the JVM: Kotlin recipes, a tensor REPL and trainers over libtorch."

    override fun run() = Unit

    companion object {
        const val VERSION = "0.1.0"
    }
}

/** Subcommands, one line each (keep this list the only place that wires them). */
fun commands() = listOf<CliktCommand>(
    RunCommand(),
    ReplCommand(),
    DoctorCommand(),
    BenchCommand(),
    MergeLoraCommand(),
    InitModelCommand(),
    InferenceCommand(),
    dev.lathe.scripts.cli.TrainCommand(),
    dev.lathe.scripts.cli.ServeCommand(),
    dev.lathe.scripts.cli.VllmServeCommand(),
    dev.lathe.scripts.cli.PreprocessCommand(dev.lathe.scripts.cli.ConfigRun::preprocessInputs),
    dev.lathe.scripts.cli.RewardCommand(),
)

fun main(args: Array<String>) {
    quietSlf4j()
    try {
        Lathe().subcommands(commands()).main(args)
    } catch (e: Exception) {
        // clikt reports usage errors itself; this is for failures inside a command
        System.err.println("lathe: ${e.message ?: e.javaClass.name}")
        if (System.getenv("LATHE_DEBUG") != null) e.printStackTrace()
        exitProcess(1)
    }
}

/**
 * SLF4J's own start-up notes (e.g. "Ignoring binding found at kotlin-main-kts.jar": that jar bundles a
 * 1.x binder) are warnings about the classpath, not about the user's run; only SLF4J's errors are shown.
 * Jetty's and DJL's SLF4J logs go to java.util.logging through slf4j-jdk14 (engine/pom.xml).
 */
private fun quietSlf4j() {
    if (System.getProperty("slf4j.internal.verbosity") == null) System.setProperty("slf4j.internal.verbosity", "ERROR")
}
