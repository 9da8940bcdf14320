package dev.lathe.scripts.cli

import com.fasterxml.jackson.databind.ObjectMapper
import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.Context
import com.github.ajalt.clikt.parameters.options.default
import com.github.ajalt.clikt.parameters.options.option
import com.github.ajalt.clikt.parameters.types.int
import dev.lathe.scripts.bench.DataBench
import java.nio.file.Files

/** `lathe bench data`: rows/s and memory of the preference-data pipeline vs the tokenizer alone. */
class BenchDataCommand : CliktCommand(name = "data") {
    override fun help(context: Context) =
        "Tokenization throughput (rows/s) and memory of the DPO data pipeline on a synthetic dataset, " +
            "against encoding the same texts with the tokenizer alone"

    private val rows by option("--rows", help = "synthetic preference rows").int().default(10_000)

    override fun run() {
        val dir = Files.createTempDirectory("lathe-bench-data-")
        val r = DataBench(rows).run(dir)
        echo("data pipeline: ${r.rows} rows in %.2f s = %.0f rows/s (%.0f rows per CPU-second), %d tokens = %.0f tokens/s"
            .format(r.seconds, r.rows / r.seconds, r.rows / r.cpuSeconds, r.tokens, r.tokens / r.seconds))
        echo("tokenizer alone (same texts, one encode per field): %.2f s; pipeline / tokenizer-alone = %.2f"
            .format(r.tokenizerOnlySeconds, r.seconds / r.tokenizerOnlySeconds))
        echo("memory: retained heap %.1f MB, peak RSS %.0f MB".format(r.retainedHeapMb, r.peakRssMb))
        val json = ObjectMapper().writeValueAsString(linkedMapOf("bench" to "data", "rows" to r.rows,
            "rows_per_s" to r.rows / r.seconds, "tokens_per_s" to r.tokens / r.seconds,
            "tokenizer_only_s" to r.tokenizerOnlySeconds, "pipeline_s" to r.seconds,
            "retained_heap_mb" to r.retainedHeapMb, "peak_rss_mb" to r.peakRssMb))
        echo(json)
        dir.toFile().deleteRecursively()
    }
}
