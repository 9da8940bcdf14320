package dev.lathe.scripts

import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.main
import com.github.ajalt.clikt.core.subcommands
import com.github.ajalt.clikt.parameters.options.versionOption

/** The `lathe` root command; each subcommand lives in its own file under cli/. */
class Lathe : CliktCommand(name = "lathe") {
    init {
        versionOption(VERSION)
    }

    override fun run() = Unit

    companion object {
        const val VERSION = "0.1.0"
    }
}

/** Subcommands, one line each (keep this list the only place that wires them). */
fun commands() = listOf<CliktCommand>(
    dev.lathe.scripts.cli.TrainCommand(),
)

fun main(args: Array<String>) = Lathe().subcommands(commands()).main(args)
