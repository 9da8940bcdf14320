package dev.lathe.tests.train

import dev.lathe.engine.tensor.Runtime
import dev.lathe.engine.train.AdamW
import dev.lathe.engine.train.LoopSettings
import dev.lathe.engine.train.LrSchedule
import dev.lathe.engine.train.OptimizerSpec
import dev.lathe.engine.train.StepFunction
import dev.lathe.engine.train.StepOutput
import dev.lathe.engine.train.TrainLoop
import dev.lathe.engine.train.TrainingFailedException
import dev.lathe.scripts.config.ConfigBinder
import dev.lathe.scripts.config.ConfigException
import dev.lathe.tests.cli.LatheProcess
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path

/**
 * Non-finite training is a failure, not a success: out-of-range hyperparameters are refused naming the
 * key (and, from YAML, the file and line); a run whose updates were all skipped, that keeps skipping, or
 * whose weights became non-finite throws instead of writing weights.
 */
class NonFiniteRunSpec : StringSpec({
    val dir = Files.createTempDirectory("nonfinite")
    Files.createDirectories(dir.resolve("tiny"))

    fun bindError(extra: String): String {
        val yaml = "base_model: ./tiny\ndatasets:\n  - path: pairs.jsonl\n    type: chatml.intel\nrl: dpo\n$extra\n"
        val f = dir.resolve("c.yml").also { Files.writeString(it, yaml) }
        return shouldThrow<ConfigException> { ConfigBinder.read(f) }.message!!
    }

    "YAML hyperparameters out of range name file, line, key, what was expected and what was found" {
        // line 6 is the first line after the fixed header
        bindError("learning_rate: 1e400") shouldContain "c.yml:6: key `learning_rate`: expected a finite number, found the number"
        bindError("learning_rate: NaN") shouldContain "c.yml:6: key `learning_rate`: expected a finite number"
        bindError("learning_rate: -0.1") shouldContain "c.yml:6: learning_rate: expected a finite number >= 0, found -0.1"
        bindError("adam_beta1: 1.5") shouldContain "c.yml:6: adam_beta1: expected a number in [0, 1), found 1.5"
        bindError("adam_beta2: 1.0") shouldContain "c.yml:6: adam_beta2: expected a number in [0, 1), found 1.0"
        bindError("adam_epsilon: 0") shouldContain "c.yml:6: adam_epsilon: expected a finite number > 0, found 0.0"
        bindError("weight_decay: -1") shouldContain "c.yml:6: weight_decay: expected a finite number >= 0, found -1.0"
        bindError("max_grad_norm: Infinity") shouldContain "c.yml:6: key `max_grad_norm`: expected a finite number"
        bindError("max_steps: 1e400") shouldContain "c.yml:6: key `max_steps`: expected a whole number"
    }

    "lathe train with learning_rate: 1e400 exits non-zero naming the key and writes nothing" {
        val yaml = "base_model: ./tiny\ndatasets:\n  - path: pairs.jsonl\n    type: chatml.intel\nrl: dpo\nlearning_rate: 1e400\noutput_dir: ./out-cli\n"
        val f = dir.resolve("cli.yml").also { Files.writeString(it, yaml) }
        val r = LatheProcess.run("train", f.toString())
        r.exitCode shouldBe 1
        r.stderr shouldContain "cli.yml:6: key `learning_rate`: expected a finite number"
        Files.exists(dir.resolve("out-cli")) shouldBe false
    }

    "recipes get the same range checks from LoopSettings" {
        shouldThrow<IllegalArgumentException> { LoopSettings().apply { learningRate = Double.POSITIVE_INFINITY }.validate() }
            .message shouldBe "learning_rate: expected a finite number >= 0, found Infinity"
        shouldThrow<IllegalArgumentException> {
            LoopSettings().apply { optimizer = OptimizerSpec.AdamW(AdamW.Settings(1.5, 0.999, 1e-8, 0.0)) }.validate()
        }.message shouldBe "adam_beta1: expected a number in [0, 1), found 1.5"
    }

    fun settings(out: Path, block: LoopSettings.() -> Unit) = LoopSettings().apply {
        outputDir = out
        learningRate = 0.05
        schedule = LrSchedule.Constant(LrSchedule.Warmup.NONE)
        microBatchSize = 4
        shuffle = false
        progress = false
        plots = false
        block()
    }

    fun runMlp(s: LoopSettings, log: ByteArrayOutputStream, step: (Mlp, RegressionRows) -> StepFunction<IntArray>) {
        RegressionRows(32, 6, seed = 7).use { data ->
            Runtime.seed(3)
            Mlp(6, 16).use { m -> TrainLoop(s, mlpTrainable(m), step(m, data), data, null).log(PrintStream(log)).run() }
        }
    }

    "a run whose every update was skipped fails and writes no weights" {
        val out = dir.resolve("all-skipped")
        val log = ByteArrayOutputStream()
        val e = shouldThrow<TrainingFailedException> {
            runMlp(settings(out) { maxSteps = 2 }, log) { m, d -> mseStep(m, d, poison = (0 until 32).toSet()) }
        }
        e.message shouldContain "all 2 step(s) were skipped by the NaN/inf guard"
        Files.exists(out.resolve("model.safetensors")) shouldBe false
        log.toString() shouldContain "step 1 skipped: loss is not finite"
    }

    "three updates skipped in a row stop the run as failed (a learning rate the model cannot survive)" {
        val out = dir.resolve("streak")
        // rows 8.. are poisoned: step 1 (rows 0-3) and 2 (4-7) train, steps 3, 4, 5 are skipped
        val e = shouldThrow<TrainingFailedException> {
            runMlp(settings(out) { maxSteps = 8 }, ByteArrayOutputStream()) { m, d -> mseStep(m, d, poison = (8 until 32).toSet()) }
        }
        e.message shouldContain "steps 3..5 were all skipped by the NaN/inf guard"
        Files.exists(out.resolve("model.safetensors")) shouldBe false
    }

    "weights that become non-finite after an optimizer step fail the run naming the parameter" {
        val out = dir.resolve("overflow")
        // loss = 1e15 * sum(fc1.weight): every gradient entry is 1e15 (norm finite in fp32); SGD with lr 1e30
        // moves fc1.weight by 1e45, past fp32's 3.4e38
        val e = shouldThrow<TrainingFailedException> {
            runMlp(settings(out) { maxSteps = 3; maxGradNorm = 0.0; learningRate = 1e30; optimizer = OptimizerSpec.Sgd(0.0, 0.0) },
                ByteArrayOutputStream()) { m, _ -> StepFunction { _, _ -> StepOutput(m.w1.sum().mul(1e15), emptyMap()) } }
        }
        e.message shouldContain "step 1: parameter 'fc1.weight' is not finite after the optimizer step"
        Files.exists(out.resolve("model.safetensors")) shouldBe false
    }
})
