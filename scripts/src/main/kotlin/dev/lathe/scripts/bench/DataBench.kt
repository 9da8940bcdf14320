package dev.lathe.scripts.bench

import com.fasterxml.jackson.databind.ObjectMapper
import dev.lathe.engine.data.DataConfig
import dev.lathe.engine.data.DataWarnings
import dev.lathe.engine.data.DatasetSpec
import dev.lathe.engine.data.Preprocessor
import dev.lathe.engine.text.HfTokenizer
import dev.lathe.engine.text.TokenizerBuilder
import java.lang.management.ManagementFactory
import java.nio.file.Files
import java.nio.file.Path
import kotlin.random.Random

/**
 * The data pipeline on a synthetic chatml.intel DPO dataset (load, type, length step, shuffle,
 * tokenization with masks) against its own floor: encoding the same texts with the tokenizer alone.
 * The ratio says how much the pipeline adds on top of the tokenizer library.
 */
class DataBench(private val rows: Int, private val seed: Int = 2) {
    private val mapper = ObjectMapper()

    data class Result(val rows: Int, val seconds: Double, val cpuSeconds: Double, val tokens: Long,
                      val tokenizerOnlySeconds: Double, val retainedHeapMb: Double, val peakRssMb: Double)

    fun run(dir: Path): Result {
        val rnd = Random(seed)
        val syll = listOf("ka", "lo", "mi", "ren", "to", "sa", "vel", "dor", "in", "que", "pra", "nu", "ste", "gar", "e", "o")
        val words = (0 until 3000).map { (0 until 1 + rnd.nextInt(3)).joinToString("") { syll[rnd.nextInt(syll.size)] } }
        fun text(n: Int) = (0 until n).joinToString(" ") { words[rnd.nextInt(words.size)] } + "."
        val texts = (0 until rows).map {
            mapOf("system" to "You are helpful.", "question" to text(40 + rnd.nextInt(40)),
                "chosen" to text(60 + rnd.nextInt(60)), "rejected" to text(60 + rnd.nextInt(60)))
        }
        val lines = texts.map { mapper.writeValueAsString(it) }
        Files.write(dir.resolve("pairs.jsonl"), lines)
        TokenizerBuilder.byteLevelBpe(lines.take(300), 2000).chatTemplate("chatml").write(dir.resolve("tok"))
        val tok = HfTokenizer.load(dir.resolve("tok"))
        val cfg = DataConfig.builder().rl("dpo").baseDir(dir).sequenceLen(2048)
            .datasets(listOf(DatasetSpec.builder("pairs.jsonl").type("chatml.intel").build())).build()
        Preprocessor.run(cfg, tok, null, DataWarnings()) // warm-up: JIT and the tokenizer's caches
        val floor = timeTokenizerOnly(tok, texts)
        val os = ManagementFactory.getOperatingSystemMXBean() as com.sun.management.OperatingSystemMXBean
        val mem = ManagementFactory.getMemoryMXBean()
        System.gc()
        val before = mem.heapMemoryUsage.used
        val t0 = System.nanoTime()
        val cpu0 = os.processCpuTime
        val r = Preprocessor.run(cfg, tok, null, DataWarnings())
        val secs = (System.nanoTime() - t0) / 1e9
        val cpu = (os.processCpuTime - cpu0) / 1e9
        System.gc()
        val tokens = r.train.sumOf { (it.prompt().size + it.chosen().size + it.rejected().size).toLong() }
        return Result(r.train.size, secs, cpu, tokens, floor, (mem.heapMemoryUsage.used - before) / 1e6, peakRssMb())
    }

    /** One encode per field, in parallel like the pipeline: the least any pipeline must spend. */
    private fun timeTokenizerOnly(tok: HfTokenizer, texts: List<Map<String, String>>): Double {
        val t0 = System.nanoTime()
        texts.parallelStream().forEach { row -> row.values.forEach { tok.encode(it, false) } }
        return (System.nanoTime() - t0) / 1e9
    }

    private fun peakRssMb(): Double = Files.readAllLines(Path.of("/proc/self/status"))
        .first { it.startsWith("VmHWM:") }.split(Regex("\\s+"))[1].toDouble() / 1024
}
