package dev.lathe.scripts.cli

import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.Context
import com.github.ajalt.clikt.core.subcommands

/** Benchmarks, one line each (each lives in its own file under cli/). */
fun benchCommands() = listOf<CliktCommand>(
    BenchBridgeCommand(),
    BenchModelCommand(),
    BenchCheckpointCommand(),
    BenchDataCommand(),
    BenchDpoCommand(),
    BenchGrpoCommand(),
    BenchRolloutCommand(),
    BenchServeCommand(),
    BenchDistCommand(),
)

/** `lathe bench <what>`: speed measured against a peer in the same run, never as a timed test. */
class BenchCommand : CliktCommand(name = "bench") {
    override fun help(context: Context) = "Benchmarks, each reported as a ratio against a peer measured in the same run"

    init {
        subcommands(benchCommands())
    }

    override fun run() = Unit
}
