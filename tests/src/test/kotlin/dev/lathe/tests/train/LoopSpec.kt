package dev.lathe.tests.train

import dev.lathe.engine.tensor.Runtime
import dev.lathe.engine.train.AdamW
import dev.lathe.engine.train.LoopSettings
import dev.lathe.engine.train.LrSchedule
import dev.lathe.engine.train.MetricsLog
import dev.lathe.engine.train.OptimizerSpec
import dev.lathe.engine.train.RunResult
import dev.lathe.engine.train.StepFunction
import dev.lathe.engine.train.TrainLoop
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.collections.shouldContainAll
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path
import javax.imageio.ImageIO

/** The shared loop on an MLP: accumulation invariance, kill-and-resume, guards, stop rules, outputs. */
class LoopSpec : StringSpec({
    fun settings(out: Path, block: LoopSettings.() -> Unit = {}) = LoopSettings().apply {
        outputDir = out
        learningRate = 0.05
        optimizer = OptimizerSpec.AdamW(AdamW.Settings(0.9, 0.999, 1e-8, 0.01))
        schedule = LrSchedule.Cosine(LrSchedule.Warmup.steps(2), 0.1)
        progress = false
        plots = false
        block()
    }

    /** Builds a fresh MLP (seeded) on fresh data and runs the loop. */
    fun run(s: LoopSettings, dropout: Double = 0.0, log: PrintStream = PrintStream(ByteArrayOutputStream()),
            wrap: (StepFunction<IntArray>) -> StepFunction<IntArray> = { it }, poison: Set<Int> = emptySet(),
            evalRows: Int = 0): RunResult {
        RegressionRows(32, 6, seed = 7).use { data ->
            RegressionRows(maxOf(evalRows, 1), 6, seed = 8).use { evalData ->
                Runtime.seed(3)
                Mlp(6, 16, dropout).use { m ->
                    return TrainLoop(s, mlpTrainable(m), wrap(mseStep(m, data, poison)), data, if (evalRows > 0) evalData else null)
                        .log(log).run()
                }
            }
        }
    }

    "micro-batch 4 x accumulation 1 gives the same losses as micro-batch 1 x accumulation 4" {
        val a = run(settings(tempDir("inv-a")) { microBatchSize = 4; gradientAccumulationSteps = 1; maxSteps = 12 })
        val b = run(settings(tempDir("inv-b")) { microBatchSize = 1; gradientAccumulationSteps = 4; maxSteps = 12 })
        a.lossByStep().keys shouldBe (1L..12L).toSet()
        for ((step, loss) in a.lossByStep()) b.lossByStep()[step]!! shouldBe (loss plusOrMinus 1e-5)
        (a.lossByStep()[12]!! < a.lossByStep()[1]!!) shouldBe true // and it learns
    }

    "a run killed after a checkpoint resumes (model, optimizer, schedule, RNG, data position) on the same loss curve" {
        val whole = run(settings(tempDir("whole")) { microBatchSize = 4; maxSteps = 14; numEpochs = 1.0 }, dropout = 0.2)
        val out = tempDir("killed")
        val crashAt = 11
        var calls = 0
        shouldThrow<IllegalStateException> {
            run(settings(out) { microBatchSize = 4; maxSteps = 14; saveSteps = 4; saveTotalLimit = 2 }, dropout = 0.2, wrap = { f ->
                StepFunction { b, t -> if (++calls == crashAt) throw IllegalStateException("killed") else f.compute(b, t) }
            })
        }
        Files.exists(out.resolve("checkpoint-8")) shouldBe true
        Files.exists(out.resolve("checkpoint-4")) shouldBe true
        val log = ByteArrayOutputStream()
        val resumed = run(settings(out) { microBatchSize = 4; maxSteps = 14; saveSteps = 4; saveTotalLimit = 2; autoResumeFromCheckpoints = true },
            dropout = 0.2, log = PrintStream(log))
        log.toString() shouldContain "resuming at step 8"
        resumed.lossByStep().keys shouldBe (1L..14L).toSet() // metrics.jsonl keeps steps 1..8 and continues
        for (step in 9L..14L) resumed.lossByStep()[step]!! shouldBe (whole.lossByStep()[step]!! plusOrMinus 1e-6)
        for (step in 1L..8L) resumed.lossByStep()[step]!! shouldBe (whole.lossByStep()[step]!! plusOrMinus 1e-6)
        // save_total_limit 2 keeps the two newest checkpoints
        Files.list(out).use { s -> s.map { it.fileName.toString() }.filter { it.startsWith("checkpoint-") }.sorted().toList() } shouldBe
            listOf("checkpoint-12", "checkpoint-8")
    }

    "the NaN/inf guard skips the step, names the rows, and training continues" {
        val log = ByteArrayOutputStream()
        val r = run(settings(tempDir("nan")) { microBatchSize = 4; maxSteps = 8; shuffle = false }, poison = setOf(5), log = PrintStream(log))
        log.toString() shouldContain "step 2 skipped: loss is not finite for rows [4, 5, 6, 7]"
        r.steps shouldBe 8L
        r.lossByStep()[2] shouldBe null // no loss logged for the skipped step
        r.history.first { it["step"] == 2L || it["step"] == 2 }["skipped_steps"] shouldBe 1.0
        r.lossByStep()[3]!!.isFinite() shouldBe true
    }

    "the loss watchdog stops a run whose loss stays above the threshold" {
        val r = run(settings(tempDir("watch")) { microBatchSize = 4; maxSteps = 20; lossWatchdogThreshold = 1e-6; lossWatchdogPatience = 3 })
        r.steps shouldBe 3L
        r.stopReason shouldContain "loss_watchdog_threshold"
    }

    "early stopping ends the run when eval_loss stops improving" {
        val r = run(settings(tempDir("early")) { microBatchSize = 4; maxSteps = 200; evalSteps = 1; earlyStoppingPatience = 2; learningRate = 0.5 },
            evalRows = 8)
        (r.steps < 200L) shouldBe true
        r.stopReason shouldContain "early_stopping_patience"
    }

    "metrics.jsonl, eval rows, plots and the final model land in output_dir" {
        val out = tempDir("outputs")
        val r = run(settings(out) { microBatchSize = 4; numEpochs = 2.0; loggingSteps = 2; plots = true }, evalRows = 8)
        r.steps shouldBe 16L // 32 rows / 4 per batch = 8 updates per epoch
        val rows = MetricsLog.read(out.resolve("metrics.jsonl"))
        rows.filter { it.containsKey("loss") }.map { (it["step"] as Number).toLong() } shouldBe listOf(2L, 4, 6, 8, 10, 12, 14, 16)
        rows.first { it.containsKey("loss") }.keys shouldContainAll listOf("step", "epoch", "loss", "grad_norm", "learning_rate", "pred_mean")
        rows.filter { it.containsKey("eval_loss") }.map { (it["step"] as Number).toLong() } shouldBe listOf(8L, 16) // once per epoch
        for (name in listOf("loss", "learning_rate", "grad_norm")) {
            val img = ImageIO.read(out.resolve("plots/$name.png").toFile())
            img shouldNotBe null
            img.width shouldBe 720
        }
        Files.exists(out.resolve("model.safetensors")) shouldBe true
        r.phaseSeconds.keys shouldContainAll listOf("data", "policy", "optimizer", "eval")
    }

    "bad settings name the Axolotl key" {
        shouldThrow<IllegalArgumentException> { LoopSettings().apply { microBatchSize = 0 }.validate() }.message shouldContain "micro_batch_size"
        shouldThrow<IllegalArgumentException> { LoopSettings().apply { loggingSteps = 0 }.validate() }.message shouldContain "logging_steps"
    }
})
