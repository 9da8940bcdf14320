package dev.lathe.tests.model

import dev.lathe.engine.model.Inputs
import dev.lathe.engine.model.Models
import dev.lathe.engine.model.PeftAdapters
import dev.lathe.engine.nn.LoraSpec
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Grad
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensors
import dev.lathe.scripts.dsl.tinyModel
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import java.nio.file.Files

/**
 * Models load in eval mode, as transformers' from_pretrained does: dropout (a PEFT adapter's
 * lora_dropout) is off in inference and evaluation unless a trainer switches training on, and a layer
 * added later (LoRA) takes its parent's mode.
 */
class EvalModeSpec : StringSpec({
    val dir = Files.createTempDirectory("evalmode")
    val model = tinyModel(dir.resolve("tiny")) { hidden = 32; layers = 1; heads = 4; kvHeads = 2 }

    "a loaded model, and LoRA layers added to it, are in eval mode: dropout 0.5 changes nothing" {
        Models.loadCausalLM(model, DType.F32).use { m ->
            m.isTraining shouldBe false
            m.addLora(LoraSpec(4, 8.0, 0.5, emptyList(), true, false))
            m.loraLayers().values.all { !it.isTraining } shouldBe true
            // B = 0 at init would hide dropout: give the adapters weight
            Grad.disabled().use { m.adapterParameters().values.forEach { it.fill_(0.05) } }
            Scope.open().use {
                val ids = Tensors.of(longArrayOf(1, 5, 9, 13, 17, 21)).reshape(1, 6)
                val a = Grad.noGrad { m.logits(Inputs.of(ids)) }
                val b = Grad.noGrad { m.logits(Inputs.of(ids)) }
                a.equal(b) shouldBe true
                m.train(true) // what the training loop does: now dropout acts
                val c = Grad.noGrad { m.logits(Inputs.of(ids)) }
                c.equal(a) shouldBe false
            }
        }
    }

    "a PEFT adapter loaded onto a base model is in eval mode" {
        val out = dir.resolve("adapter")
        Models.loadCausalLM(model, DType.F32).use { m ->
            m.addLora(LoraSpec(2, 4.0, 0.3, listOf("q_proj", "v_proj"), false, false))
            PeftAdapters.save(m, out, model.toString())
        }
        Models.loadCausalLM(model, DType.F32).use { m ->
            PeftAdapters.load(m, out)
            m.loraLayers().values.all { !it.isTraining } shouldBe true
        }
    }
})
