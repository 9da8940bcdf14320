package dev.lathe.tests.data

import dev.lathe.engine.data.DataConfig
import dev.lathe.engine.data.DataWarnings
import dev.lathe.engine.data.DatasetSpec
import dev.lathe.engine.data.Preprocessor
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.lang.management.ManagementFactory
import java.nio.file.Files
import kotlin.random.Random

/**
 * A measurement, not a timed test: runs only with LATHE_BENCH=1 and prints rows/s and memory for a
 * 10k-row chatml DPO dataset through loading, type, length step, shuffle and tokenization.
 */
class DataThroughputSpec : FunSpec({
    test("10k-row DPO dataset: tokenization throughput and memory").config(enabled = System.getenv("LATHE_BENCH") == "1") {
        val rnd = Random(1)
        val words = (0 until 2000).map { "w$it" }
        fun text(n: Int) = (0 until n).joinToString(" ") { words[rnd.nextInt(words.size)] }
        val dir = DataTestSupport.tempDir()
        val rows = (0 until 10_000).map {
            DataTestSupport.mapper.writeValueAsString(mapOf("system" to "You are helpful.", "question" to text(40 + rnd.nextInt(40)),
                "chosen" to text(60 + rnd.nextInt(60)), "rejected" to text(60 + rnd.nextInt(60))))
        }
        Files.write(dir.resolve("big.jsonl"), rows)
        val tok = DataTestSupport.tokenizer(words + listOf("user", "assistant", "system", "You", "are", "helpful."))
        val cfg = DataConfig.builder().rl("dpo").baseDir(dir).sequenceLen(1024)
            .datasets(listOf(DatasetSpec.builder("big.jsonl").type("chatml.intel").build())).build()
        val sample = text(100)
        val threads = ManagementFactory.getThreadMXBean()
        for (k in 0 until 3) {
            val t = System.nanoTime()
            val c = threads.currentThreadCpuTime
            for (i in 0 until 2000) tok.encode(sample, true)
            println("BENCH raw encode: %.1f us wall, %.1f us cpu per 100-word text".format(
                (System.nanoTime() - t) / 1e3 / 2000, (threads.currentThreadCpuTime - c) / 1e3 / 2000))
        }
        val lib = ai.djl.huggingface.tokenizers.jni.TokenizersLibrary.LIB
        val handle = tok.hfHandle()
        for (k in 0 until 3) {
            val t = System.nanoTime()
            for (i in 0 until 2000) {
                val e = lib.encode(handle, sample, true)
                lib.getTokenIds(e)
                lib.deleteEncoding(e)
            }
            println("BENCH ids-only encode: %.1f us per 100-word text".format((System.nanoTime() - t) / 1e3 / 2000))
        }
        if (System.getenv("LATHE_BENCH_RAW") == "1") return@config
        Preprocessor.run(cfg, tok, null, DataWarnings()) // warm-up
        val mem = ManagementFactory.getMemoryMXBean()
        System.gc()
        val before = mem.heapMemoryUsage.used
        val os = ManagementFactory.getOperatingSystemMXBean() as com.sun.management.OperatingSystemMXBean
        val t0 = System.nanoTime()
        val cpu0 = os.processCpuTime
        val r = Preprocessor.run(cfg, tok, null, DataWarnings())
        val secs = (System.nanoTime() - t0) / 1e9
        val cpuSecs = (os.processCpuTime - cpu0) / 1e9
        println("BENCH data cpu: %.1f s process CPU = %.0f rows per CPU-second; load average %.1f on %d cores".format(
            cpuSecs, r.train.size / cpuSecs, os.systemLoadAverage, Runtime.getRuntime().availableProcessors()))
        System.gc()
        val after = mem.heapMemoryUsage.used
        r.train.size shouldBe 10_000
        val tokens = r.train.sumOf { it.prompt().size + it.chosen().size + it.rejected().size }
        val status = Files.readAllLines(java.nio.file.Path.of("/proc/self/status")).filter { it.startsWith("VmRSS") || it.startsWith("VmHWM") }
        println("BENCH data: %d rows in %.2f s = %.0f rows/s, %d tokens (%.0f tokens/s); retained heap %.1f MB; %s"
            .format(r.train.size, secs, r.train.size / secs, tokens, tokens / secs, (after - before) / 1e6, status.joinToString(", ")))
        println(r.report.toText())
    }

    test("10k-row DPO dataset with the engine's byte-level BPE tokenizer (HfTokenizer)").config(enabled = System.getenv("LATHE_BENCH") == "1") {
        val rnd = Random(2)
        val syll = listOf("ka", "lo", "mi", "ren", "to", "sa", "vel", "dor", "in", "que", "pra", "nu", "ste", "gar", "e", "o")
        val words = (0 until 3000).map { (0 until 1 + rnd.nextInt(3)).joinToString("") { syll[rnd.nextInt(syll.size)] } }
        fun text(n: Int) = (0 until n).joinToString(" ") { words[rnd.nextInt(words.size)] } + "."
        val dir = DataTestSupport.tempDir()
        val rows = (0 until 10_000).map {
            DataTestSupport.mapper.writeValueAsString(mapOf("system" to "You are helpful.", "question" to text(40 + rnd.nextInt(40)),
                "chosen" to text(60 + rnd.nextInt(60)), "rejected" to text(60 + rnd.nextInt(60))))
        }
        Files.write(dir.resolve("big.jsonl"), rows)
        dev.lathe.engine.text.TokenizerBuilder.byteLevelBpe(rows.take(300), 2000).chatTemplate("chatml").write(dir.resolve("tok"))
        val tok = dev.lathe.engine.text.HfTokenizer.load(dir.resolve("tok"))
        val cfg = DataConfig.builder().rl("dpo").baseDir(dir).sequenceLen(2048)
            .datasets(listOf(DatasetSpec.builder("big.jsonl").type("chatml.intel").build())).build()
        Preprocessor.run(cfg, tok, null, DataWarnings())
        val os = ManagementFactory.getOperatingSystemMXBean() as com.sun.management.OperatingSystemMXBean
        System.gc()
        val mem = ManagementFactory.getMemoryMXBean()
        val before = mem.heapMemoryUsage.used
        val t0 = System.nanoTime()
        val cpu0 = os.processCpuTime
        val r = Preprocessor.run(cfg, tok, null, DataWarnings())
        val secs = (System.nanoTime() - t0) / 1e9
        val cpuSecs = (os.processCpuTime - cpu0) / 1e9
        System.gc()
        val after = mem.heapMemoryUsage.used
        val tokens = r.train.sumOf { it.prompt().size + it.chosen().size + it.rejected().size }
        val status = Files.readAllLines(java.nio.file.Path.of("/proc/self/status")).filter { it.startsWith("VmRSS") || it.startsWith("VmHWM") }
        println("BENCH bpe: %d rows in %.2f s wall = %.0f rows/s; %.1f s CPU = %.0f rows per CPU-second; %d tokens; retained heap %.1f MB; load %.1f; %s"
            .format(r.train.size, secs, r.train.size / secs, cpuSecs, r.train.size / cpuSecs, tokens, (after - before) / 1e6,
                os.systemLoadAverage, status.joinToString(", ")))
        println(r.report.toText())
    }
})
