package dev.lathe.scripts.cli

import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.Context
import com.github.ajalt.clikt.parameters.arguments.argument
import com.github.ajalt.clikt.parameters.options.default
import com.github.ajalt.clikt.parameters.options.flag
import com.github.ajalt.clikt.parameters.options.option
import com.github.ajalt.clikt.parameters.types.int
import com.github.ajalt.clikt.parameters.types.path
import dev.lathe.engine.data.ChatRenderer
import dev.lathe.engine.data.DataConfig
import dev.lathe.engine.data.DataWarnings
import dev.lathe.engine.data.DumpWriter
import dev.lathe.engine.data.Preprocessor
import dev.lathe.engine.data.TokenDebugView
import dev.lathe.engine.text.Tokenizer
import java.nio.file.Path

/** What preprocess needs from a config file: bound by the YAML layer, which owns parsing. */
class PreprocessInputs(val data: DataConfig, val tokenizer: Tokenizer, val templates: ChatRenderer.Source?)

/**
 * `lathe preprocess CONFIG.yml [--debug N] [--dump FILE.jsonl]`: runs the data pipeline of a config
 * and prints its report. The config is parsed by [load] (the CLI skeleton passes the YAML binder).
 */
class PreprocessCommand(private val load: (Path) -> PreprocessInputs) : CliktCommand(name = "preprocess") {
    override fun help(context: Context) =
        "Load, format and tokenize a config's datasets; print rows kept/dropped and token-length percentiles."

    private val config by argument("CONFIG", help = "an Axolotl-style YAML config").path(mustExist = true, canBeDir = false)
    private val debug by option("--debug", help = "print N examples token by token, coloured by role").int().default(0)
    private val dump by option("--dump", help = "write each row's strings and token ids to FILE.jsonl").path()
    private val noColor by option("--no-color", help = "mark roles with letters instead of colours").flag()

    override fun run() {
        val inputs = load(config)
        val warnings = DataWarnings { echo("warning: $it", err = true) }
        val result = Preprocessor.run(inputs.data, inputs.tokenizer, inputs.templates, warnings)
        echo(result.report.toText())
        if (debug > 0) printExamples(result, inputs)
        dump?.let {
            if (inputs.data.method.isGrpo) DumpWriter.writeRows(it, result.prepared.train(), result.prepared.eval())
            else DumpWriter.write(it, result.train, result.eval)
            echo("wrote ${it.toAbsolutePath()}")
        }
    }

    private fun printExamples(result: Preprocessor.Result, inputs: PreprocessInputs) {
        val tok = inputs.tokenizer
        val colour = !noColor && System.console() != null
        val pad = listOfNotNull(tok.padToken(), tok.eosToken()).map { tok.tokenToId(it) }.firstOrNull { it >= 0 } ?: 0
        val method = inputs.data.method
        when {
            method.isGrpo -> result.promptsTrain.take(debug).forEach { p ->
                echo("${p.origin()}: ${p.ids().size} prompt tokens ${p.ids().joinToString(" ", "[", "]")}\n${p.text()}\ncolumns: ${p.row()}\n")
            }
            method.isKto -> echo(TokenDebugView.completions(result.train.take(debug), tok, pad, colour))
            else -> echo(TokenDebugView.pairs(result.train.take(debug), tok, pad, colour))
        }
    }
}
