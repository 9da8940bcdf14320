package dev.lathe.tests.model

import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.Inputs
import dev.lathe.engine.model.ModelInit
import dev.lathe.engine.nn.LoraSpec
import dev.lathe.engine.tensor.Runtime
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensor
import dev.lathe.engine.tensor.Tensors
import dev.lathe.engine.align.Losses
import dev.lathe.engine.train.AdamW
import dev.lathe.engine.train.LoopSettings
import dev.lathe.engine.train.LrSchedule
import dev.lathe.engine.train.OptimizerSpec
import dev.lathe.engine.train.methods.ReferenceKind
import dev.lathe.engine.train.methods.Training
import dev.lathe.tests.train.MethodFixtures
import io.kotest.core.spec.style.StringSpec
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.shouldBe

/**
 * Layer-wise gradient checkpointing: the same seed gives the same loss and the same gradient for
 * every trainable parameter as an ordinary backward (LoRA dropout > 0, so the RNG replay matters),
 * and a checkpointed step returns every native handle.
 */
class CheckpointingSpec : StringSpec({
    val ids = Scope.detached().let { s -> s to s.own(Tensors.randint(0, 50, 2, 10)) }

    /** One step: policy pass + adapter-off pass with grad + a second policy pass; returns loss and grads. */
    fun step(m: CausalLM, checkpointing: Boolean): Pair<Double, Map<String, FloatArray>> = Scope.open().use {
        m.setGradientCheckpointing(checkpointing)
        m.zeroGrad()
        Runtime.seed(7)
        val x = ids.second
        val lp = m.labelLogProbs(Inputs.of(x.narrow(1, 0, 9)), x.narrow(1, 1, 9), null, 5).logps()
        val off = m.adaptersDisabled().use { m.hidden(Inputs.of(x)).pow(2.0).mean() }
        val h2 = m.hidden(Inputs.padded(x, Tensors.ones(2, 10).toLong()))
        val loss = lp.mean().neg().add(h2.pow(2.0).mean()).add(off)
        loss.backward()
        // with checkpointing the layers are not in the graph yet: their gradients appear only now
        val layerParam = m.namedParameters().filter { (n, p) -> n.contains("layers.0.") && p.requiresGrad() }.values.first()
        (layerParam.grad() == null) shouldBe checkpointing
        m.backwardCheckpointed()
        val grads = m.namedParameters().filterValues { it.requiresGrad() }
            .mapValues { (_, p) -> p.grad()?.toFloatArray() ?: FloatArray(0) }
        loss.item() to grads
    }

    fun compare(m: CausalLM) {
        val (l0, g0) = step(m, false)
        val (l1, g1) = step(m, true)
        l1 shouldBe l0
        g1.keys shouldBe g0.keys
        for ((name, a) in g0) {
            val b = g1.getValue(name)
            b.size shouldBe a.size
            (a.isNotEmpty()) shouldBe true
            var worst = 0.0
            var scale = 0.0
            for (i in a.indices) { worst = maxOf(worst, Math.abs((a[i] - b[i]).toDouble())); scale = maxOf(scale, Math.abs(a[i].toDouble())) }
            (scale > 0.0) shouldBe true
            worst shouldBeLessThan 1e-6 * maxOf(1.0, scale)
        }
    }

    "LoRA with dropout: checkpointed loss and gradients equal the ordinary backward" {
        CausalLM(Fixtures.tinySpec()).use { m ->
            ModelInit.randomize(m, 3, 0.1)
            m.addLora(LoraSpec(2, 4.0, 0.3, listOf("q_proj", "v_proj", "down_proj"), false, false))
            // lora_B starts at zero; give it values so every adapter gradient path is non-trivial
            Scope.open().use { m.adapterParameters().forEach { (n, p) -> if (n.contains("lora_B")) p.detach().copy_(Tensors.randn(*p.shape()).mul(0.1)) } }
            compare(m)
        }
    }

    "full fine-tuning: gradients reach the embedding through the checkpointed layers" {
        CausalLM(Fixtures.tinySpec()).use { m ->
            ModelInit.randomize(m, 4, 0.1)
            compare(m)
            m.namedParameters().getValue("model.embed_tokens.weight").grad()!!.abs().sum().item().shouldBeGreaterThanZero()
        }
    }

    "the trainer: DPO with LoRA dropout gives the same losses with gradient checkpointing (via afterBackward)" {
        fun run(checkpointing: Boolean): Map<Long, Double> = MethodFixtures.tinyLm(5).use { m ->
            m.addLora(LoraSpec(4, 8.0, 0.2, emptyList(), true, false))
            m.setGradientCheckpointing(checkpointing)
            Runtime.seed(9)
            Training().apply {
                model = m
                loss = Losses.dpo().beta(0.5).build()
                reference = ReferenceKind.ADAPTER_DISABLED
                train = MethodFixtures.parityPairs(16, seed = 2)
                padId = 0
                loop = LoopSettings().apply {
                    outputDir = Files.createTempDirectory("ckpt-dpo")
                    learningRate = 1e-2
                    optimizer = OptimizerSpec.AdamW(AdamW.Settings(0.9, 0.999, 1e-8, 0.0))
                    schedule = LrSchedule.Constant(LrSchedule.Warmup.NONE)
                    progress = false; plots = false; savesPerEpoch = 0
                    microBatchSize = 2; gradientAccumulationSteps = 2; maxSteps = 4
                }
                log = PrintStream(ByteArrayOutputStream())
            }.run().lossByStep()
        }
        val plain = run(false)
        val ckpt = run(true)
        plain.size shouldBe 4
        ckpt.keys shouldBe plain.keys
        // without the hook the adapters would get no gradient through the layers and the losses would differ
        for ((step, l) in plain) Math.abs(ckpt.getValue(step) - l) shouldBeLessThan 1e-6
        (plain.values.toSet().size > 1) shouldBe true
    }

    "a checkpointed step, and one abandoned before backward, leave the live-handle count unchanged" {
        CausalLM(Fixtures.tinySpec()).use { m ->
            ModelInit.randomize(m, 5, 0.1)
            m.addLora(LoraSpec(2, 4.0, 0.1, listOf("q_proj", "v_proj"), false, false))
            step(m, true)
            val base = Tensors.liveCount()
            repeat(5) { step(m, true) }
            Scope.open().use { m.hidden(Inputs.of(ids.second)).sum().item() } // no backward: scope frees it
            step(m, true)
            m.zeroGrad()
            step(m, true)
            Tensors.liveCount() shouldBe base
        }
    }
})

private fun Double.shouldBeGreaterThanZero() { (this > 0.0) shouldBe true }
