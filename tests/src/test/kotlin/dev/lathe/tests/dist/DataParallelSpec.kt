package dev.lathe.tests.dist

import dev.lathe.engine.dist.LocalRanks
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.train.MetricsLog
import dev.lathe.engine.train.TensorFile
import dev.lathe.scripts.cli.ConfigRun
import dev.lathe.scripts.cli.LocalLaunch
import dev.lathe.scripts.config.ConfigBinder
import dev.lathe.scripts.config.ConfigException
import dev.lathe.scripts.dsl.tinyModel
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import java.io.ByteArrayOutputStream
import java.io.File
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.util.concurrent.TimeUnit

/**
 * `lathe train` on 2 Gloo ranks (child JVMs on loopback) against 1 process with twice the gradient
 * accumulation: same per-step losses and metrics, same final weights; a 2-rank checkpoint resumed on
 * 1 rank continues the curve; a killed rank ends the other with an error naming it.
 */
class DataParallelSpec : StringSpec({
    val repo = System.getenv("LATHE_REPO")?.let { Path.of(it) } ?: Path.of("..").toAbsolutePath().normalize()
    val work = Files.createTempDirectory("dist")
    val model = tinyModel(work.resolve("tiny")) { hidden = 32; layers = 2; heads = 4; kvHeads = 2 }
    val quiet = PrintStream(ByteArrayOutputStream())

    /** recipes/NAME.yml on the tiny model: micro-batch 4, the given accumulation and extra keys. */
    fun config(name: String, tag: String, accumulation: Int, extra: String, lora: Boolean = true, microBatch: Int = 4): Path {
        var text = Files.readString(repo.resolve("recipes/$name.yml"))
        if (!lora) text = text.replace(Regex("(?m)^(adapter|lora_r|lora_alpha|lora_dropout|lora_target_linear): .*$\n?"), "")
        text = text
            .replace(Regex("(?m)^base_model: .*$"), "base_model: $model")
            .replace(Regex("(?m)^output_dir: .*$"), "output_dir: ${work.resolve("out-$tag")}")
            .replace("path: data/", "path: ${repo.resolve("recipes/data")}/")
            .replace(Regex("(?m)^(num_epochs|micro_batch_size|gradient_accumulation_steps|logging_steps|warmup_steps): .*$\n?"), "") +
            "\nmicro_batch_size: $microBatch\ngradient_accumulation_steps: $accumulation\nlogging_steps: 1\nwarmup_steps: 1\n$extra\n"
        return work.resolve("$tag.yml").also { Files.writeString(it, text) }
    }

    fun single(cfg: Path): List<Map<String, Any>> {
        ConfigRun.run(ConfigBinder.read(cfg), quiet)
        return MetricsLog.read(cfg.resolveSibling("out-" + cfg.fileName.toString().removeSuffix(".yml")).resolve("metrics.jsonl"))
    }

    fun twoRanks(cfg: Path): List<Map<String, Any>> {
        LocalLaunch.run(listOf("train", cfg.toString()), 2, Duration.ofSeconds(60), quiet) shouldBe 0
        return MetricsLog.read(cfg.resolveSibling("out-" + cfg.fileName.toString().removeSuffix(".yml")).resolve("metrics.jsonl"))
    }

    fun sameRows(a: List<Map<String, Any>>, b: List<Map<String, Any>>, steps: LongRange) {
        for (step in steps) {
            val ra = a.filter { (it["step"] as Number).toLong() == step }
            val rb = b.filter { (it["step"] as Number).toLong() == step }
            ra.size shouldBe rb.size
            for ((x, y) in ra.zip(rb)) {
                x.keys shouldBe y.keys
                for (k in x.keys - setOf("step", "epoch")) withClue("step $step, $k") {
                    val u = (x[k] as Number).toDouble()
                    val v = (y[k] as Number).toDouble()
                    Math.abs(u - v) shouldBeLessThan 2e-4 * (1 + Math.abs(u))
                }
            }
        }
    }

    fun sameWeights(a: Path, b: Path) = Scope.open().use {
        val x = TensorFile.load(a)
        val y = TensorFile.load(b)
        x.keys shouldBe y.keys
        for ((k, t) in x) withClue(k) { t.sub(y[k]!!).abs().max().item() shouldBeLessThan 2e-5 }
    }

    "DPO: 2 ranks x accumulation 1 == 1 process x accumulation 2 (losses, metrics, eval, weights); resuming the 2-rank checkpoint on 1 rank continues the curve" {
        val extra = "max_steps: 4\nsave_steps: 2\nrl_adapter_ref_model: true"
        val two = twoRanks(config("dpo", "dpo2", 1, extra, lora = false))
        val one = single(config("dpo", "dpo1", 2, extra, lora = false))
        two.count { it.containsKey("loss") } shouldBe 4
        two.any { it.containsKey("eval_loss") } shouldBe true
        sameRows(two, one, 1L..4L)
        sameWeights(work.resolve("out-dpo2/model.safetensors"), work.resolve("out-dpo1/model.safetensors"))
        Files.exists(work.resolve("out-dpo2/checkpoint-2/trainer_state.json")) shouldBe true

        val ckpt = work.resolve("out-dpo2/checkpoint-2")
        val resumed = single(config("dpo", "dpo-resumed", 2, "$extra\nresume_from_checkpoint: $ckpt", lora = false))
        sameRows(two, resumed, 3L..4L)
        sameWeights(work.resolve("out-dpo2/model.safetensors"), work.resolve("out-dpo-resumed/model.safetensors"))
    }

    "DPO with LoRA (adapter-disabled reference): 2 ranks x accumulation 1 == 1 process x accumulation 2 (losses, metrics, adapter)" {
        val two = twoRanks(config("dpo", "lora2", 1, "max_steps: 2"))
        val one = single(config("dpo", "lora1", 2, "max_steps: 2"))
        sameRows(two, one, 1L..2L)
        sameWeights(work.resolve("out-lora2/adapter_model.safetensors"), work.resolve("out-lora1/adapter_model.safetensors"))
    }

    // 56 train rows / micro-batch 8 = 7 micro-batches: update 4 has one, so rank 1's shard is empty (zeros, same collectives)
    "reward model: 2 ranks x accumulation 1 == 1 process x accumulation 2 (losses, metrics, full weights), an uneven last update included" {
        val two = twoRanks(config("reward", "rm2", 1, "max_steps: 5", microBatch = 8))
        val one = single(config("reward", "rm1", 2, "max_steps: 5", microBatch = 8))
        two.count { it.containsKey("loss") } shouldBe 5
        sameRows(two, one, 1L..5L)
        sameWeights(work.resolve("out-rm2/model.safetensors"), work.resolve("out-rm1/model.safetensors"))
    }

    "killing one rank ends the other within the timeout, naming the rank and the collective; checkpoints stay whole" {
        val cfg = config("dpo", "kill", 1, "max_steps: 10000\nsave_steps: 1\nsave_total_limit: 2\nddp_timeout: 5")
        val port = LocalRanks.freePort()
        val logs = (0..1).map { File.createTempFile("rank$it", ".log") }
        val ranks = (0..1).map { r ->
            ProcessBuilder(LocalRanks.javaCommand(LocalLaunch.MAIN, listOf("train", cfg.toString()))).apply {
                environment().putAll(LocalRanks.environment(port, r, 2, 1))
                redirectErrorStream(true).redirectOutput(logs[r])
            }.start()
        }
        try {
            val metrics = work.resolve("out-kill/metrics.jsonl")
            val t0 = System.nanoTime()
            while (!(Files.exists(metrics) && Files.readAllLines(metrics).size >= 2) && System.nanoTime() - t0 < 120e9) Thread.sleep(100)
            Files.readAllLines(metrics).size shouldNotBe 0
            ranks[1].destroyForcibly().waitFor()
            val killed = System.nanoTime()
            ranks[0].waitFor(60, TimeUnit.SECONDS) shouldBe true
            (System.nanoTime() - killed) / 1_000_000 shouldBeLessThan 30_000L
            ranks[0].exitValue() shouldNotBe 0
            val log = logs[0].readText()
            log shouldContain Regex("rank 0 of 2: (all_reduce|all_gather)\\([^)]*\\) #\\d+ failed")
            log shouldContain "rank 1 did not take part"
            Files.list(work.resolve("out-kill")).use { s ->
                s.filter { it.fileName.toString().startsWith("checkpoint-") }.forEach { Files.exists(it.resolve("trainer_state.json")) shouldBe true }
            }
        } finally {
            ranks.forEach { it.destroyForcibly() }
        }
    }

    "context_parallel_size > 1 is refused with the key and the way out" {
        val e = shouldThrow<ConfigException> { ConfigBinder.read(config("dpo", "cp", 1, "context_parallel_size: 2")) }
        e.message shouldContain "context_parallel_size: 2"
        e.message shouldContain "--num-processes"
        ConfigBinder.read(config("dpo", "cp1", 1, "context_parallel_size: 1\nddp_timeout: 60\nddp_bucket_cap_mb: 1")).dist.timeout shouldBe Duration.ofSeconds(60)
    }
})
