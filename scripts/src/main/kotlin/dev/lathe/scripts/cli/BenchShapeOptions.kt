package dev.lathe.scripts.cli

import com.github.ajalt.clikt.parameters.groups.OptionGroup
import com.github.ajalt.clikt.parameters.options.default
import com.github.ajalt.clikt.parameters.options.option
import com.github.ajalt.clikt.parameters.types.int

/** The benchmark Llama's shape (defaults: the ~50M model of the trainer benchmark), shared by the bench commands. */
class BenchShapeOptions : OptionGroup("Model shape") {
    val layers by option("--layers").int().default(8)
    val hidden by option("--hidden").int().default(512)
    val heads by option("--heads").int().default(8)
    val kvHeads by option("--kv-heads").int().default(4)
    val ffn by option("--ffn").int().default(1408)
    val vocab by option("--vocab").int().default(32000)

    /** The same shape as arguments for a Python peer script. */
    fun peerArgs(): List<String> = listOf("--layers", "$layers", "--hidden", "$hidden", "--heads", "$heads",
        "--kv-heads", "$kvHeads", "--ffn", "$ffn", "--vocab", "$vocab")

    fun describe(): String = "%d layers, hidden %d, %d/%d heads, FFN %d, vocab %d".format(layers, hidden, heads, kvHeads, ffn, vocab)
}
