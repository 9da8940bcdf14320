package dev.lathe.scripts.cli

import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.Context
import com.github.ajalt.clikt.core.ProgramResult
import dev.lathe.scripts.host.Repl

/** `lathe repl`: Kotlin with the engine, state kept between lines; reads stdin when piped. */
class ReplCommand : CliktCommand(name = "repl") {
    override fun help(context: Context) =
        "Interactive Kotlin with tensors (engine and sugar imported). With piped stdin it evaluates each " +
            "snippet and prints only results and errors; it exits non-zero if any snippet failed. :quit ends."

    override fun run() {
        val interactive = System.console()?.isTerminal == true
        if (interactive) echo("Lathe REPL (Kotlin). Tensors: tensor(1f, 2f), randn(2, 3), a + b, a matmul b. :quit to leave.")
        val failures = Repl(System.out, System.err).loop(System.`in`.bufferedReader(), interactive)
        if (!interactive && failures > 0) throw ProgramResult(1)
    }
}
