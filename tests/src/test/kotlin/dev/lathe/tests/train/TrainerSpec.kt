package dev.lathe.tests.train

import dev.lathe.engine.align.Losses
import dev.lathe.engine.data.PairBatch
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.nn.LoraSpec
import dev.lathe.engine.tensor.Grad
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.train.AdamW
import dev.lathe.engine.train.LoopSettings
import dev.lathe.engine.train.LrSchedule
import dev.lathe.engine.train.OptimizerSpec
import dev.lathe.engine.train.RunResult
import dev.lathe.engine.train.methods.Reference
import dev.lathe.engine.train.methods.ReferenceKind
import dev.lathe.engine.train.methods.Scored
import dev.lathe.engine.train.methods.SeqTensors
import dev.lathe.engine.train.methods.Training
import dev.lathe.tests.train.MethodFixtures.parityPairs
import dev.lathe.tests.train.MethodFixtures.tinyLm
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.doubles.shouldBeGreaterThan
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path

/** Method trainers on a tiny Llama: reference strategies, accumulation invariance, resume, learning. */
class TrainerSpec : StringSpec({
    val quiet = PrintStream(ByteArrayOutputStream())
    fun loop(out: Path, block: LoopSettings.() -> Unit) = LoopSettings().apply {
        outputDir = out
        learningRate = 1e-2
        optimizer = OptimizerSpec.AdamW(AdamW.Settings(0.9, 0.999, 1e-8, 0.0))
        schedule = LrSchedule.Constant(LrSchedule.Warmup.NONE)
        progress = false
        plots = false
        savesPerEpoch = 0
        block()
    }

    fun lora(m: CausalLM) = m.addLora(LoraSpec(4, 8.0, 0.0, emptyList(), true, false))

    "adapter-disabled reference log-probs equal the base model's" {
        val pairs = parityPairs(6, seed = 1)
        tinyLm(11).use { base ->
            tinyLm(11).use { adapted ->
                lora(adapted)
                Scope.open().use {
                    Grad.disabled().use { for (t in adapted.adapterParameters().values) t.normal_(0.0, 0.5) } // adapters now matter
                    val seqs = SeqTensors.of(PairBatch.of(pairs, 0))
                    val expected = Grad.disabled().use { Scored.of(base, seqs).sums() }
                    val ref = Reference.adapterDisabled(adapted).sums(null, seqs)
                    ref.sub(expected).abs().max().item() shouldBeLessThan 1e-5
                    val withAdapters = Grad.disabled().use { Scored.of(adapted, seqs).sums() }
                    withAdapters.sub(expected).abs().max().item() shouldBeGreaterThan 1e-3 // the switch really switched
                }
            }
        }
    }

    fun dpo(out: Path, lora: Boolean, ref: ReferenceKind = if (lora) ReferenceKind.ADAPTER_DISABLED else ReferenceKind.FROZEN_COPY,
            trainRows: Int = 32, block: LoopSettings.() -> Unit): RunResult {
        tinyLm(5).use { m ->
            if (lora) lora(m)
            return Training().apply {
                model = m
                loss = Losses.dpo().beta(0.5).build()
                reference = ref
                referenceCopy = { tinyLm(5) }
                referenceCacheDir = out.resolve("refcache")
                referenceCacheKey = "test"
                train = parityPairs(trainRows, seed = 2)
                eval = parityPairs(32, seed = 3)
                padId = 0
                loop = loop(out, block)
                log = quiet
            }.run()
        }
    }

    "DPO: micro-batch 4 x accumulation 1 equals micro-batch 1 x accumulation 4 (same losses)" {
        val a = dpo(Files.createTempDirectory("dpo-a"), lora = false) { microBatchSize = 4; gradientAccumulationSteps = 1; maxSteps = 6 }
        val b = dpo(Files.createTempDirectory("dpo-b"), lora = false) { microBatchSize = 1; gradientAccumulationSteps = 4; maxSteps = 6 }
        a.lossByStep().size shouldBe 6
        for ((step, l) in a.lossByStep()) b.lossByStep()[step]!! shouldBe (l plusOrMinus 1e-5)
    }

    "DPO with LoRA learns a synthetic preference: held-out reward accuracy far above chance" {
        val out = Files.createTempDirectory("dpo-learn")
        val r = dpo(out, lora = true, trainRows = 160) { microBatchSize = 16; numEpochs = 4.0; evalsPerEpoch = 1 }
        // before any update the policy is the reference: every implicit reward is 0 and accuracy (ties = 0) is 0
        (r.history.first { it.containsKey("rewards/accuracies") }["rewards/accuracies"] as Number).toDouble() shouldBeLessThan 0.85
        val last = (r.lastEval["eval_rewards/accuracies"])!!
        last shouldBeGreaterThan 0.85
        r.lastEval["eval_rewards/margins"]!! shouldBeGreaterThan 0.5
        Files.exists(out.resolve("adapter_model.safetensors")) shouldBe true
        Files.exists(out.resolve("adapter_config.json")) shouldBe true
        for (k in listOf("rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins", "logps/chosen", "logps/rejected",
            "logits/chosen", "logits/rejected", "num_tokens")) (r.history.first { it.containsKey("loss") }.containsKey(k)) shouldBe true
    }

    "DPO with LoRA: a fresh process resuming from a checkpoint (PEFT adapter, optimizer, RNG, data position) continues the same loss curve" {
        val out = Files.createTempDirectory("dpo-kill")
        val whole = dpo(out, lora = true) { microBatchSize = 4; maxSteps = 8; saveSteps = 4 }
        Files.exists(out.resolve("checkpoint-4/adapter_model.safetensors")) shouldBe true
        val log = ByteArrayOutputStream()
        val resumed = tinyLm(5).use { m ->
            lora(m)
            Training().apply {
                model = m; loss = Losses.dpo().beta(0.5).build(); reference = ReferenceKind.ADAPTER_DISABLED
                train = parityPairs(32, seed = 2); eval = parityPairs(32, seed = 3); padId = 0
                loop = loop(out) { microBatchSize = 4; maxSteps = 8; resumeFromCheckpoint = out.resolve("checkpoint-4") }
                this.log = PrintStream(log)
            }.run()
        }
        log.toString() shouldContain "resuming at step 4"
        for (step in 5L..8L) resumed.lossByStep()[step]!! shouldBe (whole.lossByStep()[step]!! plusOrMinus 1e-5)
    }

    "precomputed reference log-probs: computed once, cached under the key, reused, and equal to the live reference" {
        val out = Files.createTempDirectory("dpo-pre")
        val live = dpo(Files.createTempDirectory("dpo-live"), lora = true) { microBatchSize = 4; maxSteps = 3 }
        val first = dpo(out, lora = true, ref = ReferenceKind.PRECOMPUTED) { microBatchSize = 4; maxSteps = 3 }
        Files.exists(out.resolve("refcache/test.safetensors")) shouldBe true
        for ((step, l) in live.lossByStep()) first.lossByStep()[step]!! shouldBe (l plusOrMinus 1e-5)
        val stamp = Files.getLastModifiedTime(out.resolve("refcache/test.safetensors"))
        dpo(out, lora = true, ref = ReferenceKind.PRECOMPUTED) { microBatchSize = 4; maxSteps = 3 }
        Files.getLastModifiedTime(out.resolve("refcache/test.safetensors")) shouldBe stamp
    }
})
