package dev.lathe.tests.train

import dev.lathe.engine.align.Losses
import dev.lathe.engine.nn.LoraSpec
import dev.lathe.engine.train.AdamW
import dev.lathe.engine.train.LoopSettings
import dev.lathe.engine.train.LrSchedule
import dev.lathe.engine.train.OptimizerSpec
import dev.lathe.engine.train.RunResult
import dev.lathe.engine.train.methods.ReferenceKind
import dev.lathe.engine.train.methods.Training
import dev.lathe.tests.train.MethodFixtures.parityPairs
import dev.lathe.tests.train.MethodFixtures.tinyLm
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path

/**
 * State a method keeps beside the policy belongs in checkpoints: TR-DPO's synced reference (it has
 * drifted from base_model) and bco_pair's running mean. A run resumed from step 4 continues the curve
 * of the uninterrupted run; TR-DPO with a LoRA adapter (which would sync nothing) is refused.
 */
class ResumeStateSpec : StringSpec({
    fun loop(out: Path, block: LoopSettings.() -> Unit) = LoopSettings().apply {
        outputDir = out
        learningRate = 1e-2
        optimizer = OptimizerSpec.AdamW(AdamW.Settings(0.9, 0.999, 1e-8, 0.0))
        schedule = LrSchedule.Constant(LrSchedule.Warmup.NONE)
        progress = false
        plots = false
        savesPerEpoch = 0
        microBatchSize = 4
        maxSteps = 8
        block()
    }

    fun run(out: Path, lossType: String, sync: Boolean, lora: Boolean = false, log: PrintStream = PrintStream(ByteArrayOutputStream()),
            block: LoopSettings.() -> Unit): RunResult = tinyLm(5).use { m ->
        if (lora) m.addLora(LoraSpec(4, 8.0, 0.0, emptyList(), true, false))
        Training().apply {
            model = m
            loss = Losses.dpo().beta(0.5).lossType(listOf(lossType)).build()
            reference = if (lora) ReferenceKind.ADAPTER_DISABLED else ReferenceKind.FROZEN_COPY
            referenceCopy = { tinyLm(5) }
            if (sync) { syncAlpha = 0.6; syncSteps = 1 }
            train = parityPairs(32, seed = 2)
            eval = parityPairs(8, seed = 3)
            padId = 0
            loop = loop(out, block)
            this.log = log
        }.run()
    }

    fun resumesExactly(name: String, lossType: String, sync: Boolean, lora: Boolean, stateFile: String) {
        val out = Files.createTempDirectory(name)
        val whole = run(out, lossType, sync, lora) { saveSteps = 4 }
        Files.exists(out.resolve("checkpoint-4/$stateFile")) shouldBe true
        Files.exists(out.resolve(stateFile)) shouldBe false // checkpoints only, never the final output
        val log = ByteArrayOutputStream()
        val resumed = run(out, lossType, sync, lora, PrintStream(log)) { resumeFromCheckpoint = out.resolve("checkpoint-4") }
        log.toString() shouldContain "resuming at step 4"
        for (step in 5L..8L) resumed.lossByStep()[step]!! shouldBe (whole.lossByStep()[step]!! plusOrMinus 1e-6)
    }

    "TR-DPO: the synced reference is checkpointed and a resumed run continues the same loss curve" {
        resumesExactly("trdpo", "sigmoid", sync = true, lora = false, stateFile = "reference_model.safetensors")
    }

    "bco_pair: the running mean of rewards is checkpointed and a resumed run continues the same loss curve" {
        resumesExactly("bco", "bco_pair", sync = false, lora = true, stateFile = "bco_running_mean.json")
    }

    "TR-DPO with a LoRA adapter is refused" {
        shouldThrow<IllegalArgumentException> { run(Files.createTempDirectory("trdpo-lora"), "sigmoid", sync = true, lora = true) {} }
            .message shouldContain "sync_ref_model (TR-DPO) with adapter: lora is not supported"
    }
})
