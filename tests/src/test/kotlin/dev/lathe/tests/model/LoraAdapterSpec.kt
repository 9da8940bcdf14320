package dev.lathe.tests.model

import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.Inputs
import dev.lathe.engine.model.ModelInit
import dev.lathe.engine.model.Models
import dev.lathe.engine.model.PeftAdapters
import dev.lathe.engine.nn.LoraSpec
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Grad
import dev.lathe.engine.tensor.Tensors
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.shouldBeGreaterThan
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.shouldBe
import java.nio.file.Files

class LoraAdapterSpec : StringSpec({
    fun model(): CausalLM = CausalLM(Fixtures.tinySpec()).also { ModelInit.randomize(it, 3, 0.1) }
    fun perturb(m: CausalLM) = Grad.disabled().use {
        for (l in m.loraLayers().values) l.loraB().weight().copy_(Tensors.randn(*l.loraB().weight().shape()).mul(0.1))
    }
    val ids = { Tensors.of(longArrayOf(3, 9, 27, 4, 11, 5, 8, 1, 2, 40), 2, 5) }

    "adapters disabled give the base logits; only adapter parameters train" {
        Fixtures.scoped {
            model().use { m ->
                val base = Grad.noGrad { m.logits(Inputs.of(ids())) }
                val layers = m.addLora(LoraSpec(4, 8.0, 0.0, listOf("q_proj", "v_proj"), false, false))
                layers.keys.sorted() shouldBe listOf(0, 1).flatMap { listOf("model.layers.$it.self_attn.q_proj", "model.layers.$it.self_attn.v_proj") }
                Grad.noGrad { Fixtures.maxDiff(m.logits(Inputs.of(ids())), base) } shouldBe 0.0 // B = 0 at init
                perturb(m)
                Grad.noGrad { Fixtures.maxDiff(m.logits(Inputs.of(ids())), base) } shouldBeGreaterThan 1e-3
                m.adaptersDisabled().use { Grad.noGrad { m.logits(Inputs.of(ids())).equal(base) } shouldBe true }
                m.adapters().enabled() shouldBe true
                m.trainableParameters().size shouldBe 8
                m.trainableParameters().sumOf { it.numel() } shouldBe m.adapterParameters().values.sumOf { it.numel() }
            }
        }
    }

    "all-linear targets every decoder linear but not lm_head" {
        Fixtures.scoped {
            model().use { m ->
                m.addLora(LoraSpec(2, 4.0, 0.1, listOf(), true, false)).size shouldBe 14
                m.loraLayers().keys.any { it.contains("lm_head") } shouldBe false
            }
        }
    }

    "PEFT save/load round trip and merged model == adapter model" {
        Fixtures.scoped {
            val dir = Files.createTempDirectory("lathe-lora")
            model().use { m ->
                Models.save(m, dir.resolve("base"))
                m.addLora(LoraSpec(4, 16.0, 0.0, listOf("q_proj", "k_proj", "down_proj"), false, false))
                perturb(m)
                val adapted = Grad.noGrad { m.logits(Inputs.of(ids())) }
                PeftAdapters.save(m, dir.resolve("adapter"), "base")
                m.adapterParameters().keys.first() shouldBe "model.layers.0.self_attn.q_proj.lora_A.weight"
                val keys = dev.lathe.engine.io.SafetensorsFile.open(dir.resolve("adapter/adapter_model.safetensors")).use { it.names() }
                keys.contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight") shouldBe true
                Models.loadCausalLM(dir.resolve("base"), DType.F32).use { again ->
                    PeftAdapters.load(again, dir.resolve("adapter"))
                    Grad.noGrad { again.logits(Inputs.of(ids())).equal(adapted) } shouldBe true
                    again.mergeLora()
                    again.loraLayers().isEmpty() shouldBe true
                    Grad.noGrad { Fixtures.maxDiff(again.logits(Inputs.of(ids())), adapted) } shouldBeLessThan 1e-5
                }
            }
        }
    }
})
