package dev.lathe.tests.model

import dev.lathe.engine.align.Losses
import dev.lathe.engine.io.SafetensorsDtype
import dev.lathe.engine.io.SafetensorsFile
import dev.lathe.engine.model.Inputs
import dev.lathe.engine.model.Models
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Grad
import dev.lathe.engine.train.AdamW
import dev.lathe.engine.train.LoopSettings
import dev.lathe.engine.train.LrSchedule
import dev.lathe.engine.train.OptimizerSpec
import dev.lathe.engine.train.RunResult
import dev.lathe.engine.train.methods.ReferenceKind
import dev.lathe.engine.train.methods.Training
import dev.lathe.tests.train.MethodFixtures
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.shouldBeGreaterThan
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.shouldBe
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files

/**
 * The bf16 paths: a model saved in bf16 is a BF16 safetensors checkpoint (torch_dtype bfloat16) whose
 * logits stay within bf16 rounding of the PyTorch fp32 reference; a `bf16: true` (CPU autocast) DPO run
 * trains with finite losses close to, but not bit-equal with, the fp32 run.
 */
class Bf16Spec : StringSpec({
    "a bf16 checkpoint: BF16 tensors on disk, torch_dtype bfloat16, logits within bf16 rounding of the reference" {
        val dir = Files.createTempDirectory("bf16")
        Fixtures.scoped {
            val exp = Fixtures.tensors(Fixtures.model("llama").resolve("expected.safetensors"))
            Models.loadCausalLM(Fixtures.model("llama"), DType.BF16).use { m -> Models.save(m, dir) }
            SafetensorsFile.open(dir.resolve("model.safetensors")).use { f -> f.entries().all { it.dtype() == SafetensorsDtype.BF16 } shouldBe true }
            (Files.readString(dir.resolve("config.json")).contains("\"torch_dtype\": \"bfloat16\"")) shouldBe true
            Models.loadCausalLM(dir, DType.F32).use { m ->
                val logits = Grad.noGrad { m.logits(Inputs.of(exp.getValue("input_ids"))) }
                val ref = exp.getValue("logits")
                val scale = ref.abs().max().item()
                val err = Fixtures.maxDiff(logits, ref)
                err shouldBeLessThan 0.03 * scale   // bf16 keeps 8 bits of mantissa: ~0.4% per weight
                err shouldBeGreaterThan 0.0         // and the weights really were rounded
            }
        }
    }

    fun dpo(bf16: Boolean): RunResult = MethodFixtures.tinyLm(5).use { m ->
        Training().apply {
            model = m
            loss = Losses.dpo().beta(0.5).build()
            reference = ReferenceKind.FROZEN_COPY
            referenceCopy = { MethodFixtures.tinyLm(5) }
            train = MethodFixtures.parityPairs(16, seed = 2)
            padId = 0
            loop = LoopSettings().apply {
                outputDir = Files.createTempDirectory("bf16-step"); learningRate = 1e-2; microBatchSize = 4; maxSteps = 3
                optimizer = OptimizerSpec.AdamW(AdamW.Settings(0.9, 0.999, 1e-8, 0.0)); schedule = LrSchedule.Constant(LrSchedule.Warmup.NONE)
                progress = false; plots = false; savesPerEpoch = 0; this.bf16 = bf16
            }
            log = PrintStream(ByteArrayOutputStream())
        }.run()
    }

    "bf16: true steps train under autocast: finite, close to fp32, not identical" {
        val fp32 = dpo(false).lossByStep()
        val bf = dpo(true).lossByStep()
        bf.keys shouldBe setOf(1L, 2L, 3L)
        var differs = false
        for ((step, l) in fp32) {
            val b = bf.getValue(step)
            b.isFinite() shouldBe true
            Math.abs(b - l) shouldBeLessThan 0.02
            if (b != l) differs = true
        }
        differs shouldBe true
    }
})
