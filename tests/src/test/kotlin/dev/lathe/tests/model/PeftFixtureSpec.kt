package dev.lathe.tests.model

import dev.lathe.engine.model.Inputs
import dev.lathe.engine.model.Models
import dev.lathe.engine.model.PeftAdapters
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Grad
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.shouldBeGreaterThan
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.shouldBe

/**
 * An adapter folder in PEFT's exact layout, written by an independent script
 * (tests/fixtures/models/make_peft_adapter.py, Debian's python3-torch): every key PEFT writes in
 * adapter_config.json, "base_model.model." weight names, lora_dropout 0.1. Loaded onto the llama
 * fixture it gives the script's logits (dropout inactive: models load in eval mode), the base logits
 * with adapters off, and the same logits once merged.
 */
class PeftFixtureSpec : StringSpec({
    val expected = Fixtures.model("peft").resolve("expected.safetensors")

    "a PEFT-layout adapter loads and changes the outputs exactly as the reference computes" {
        Fixtures.scoped {
            val e = Fixtures.tensors(expected)
            Models.loadCausalLM(Fixtures.model("llama"), DType.F32).use { m ->
                PeftAdapters.load(m, Fixtures.model("peft"))
                m.loraLayers().keys.count { it.endsWith("q_proj") || it.endsWith("v_proj") || it.endsWith("down_proj") } shouldBe 6
                m.loraSpec()!!.dropout() shouldBe 0.1
                val ids = e["input_ids"]!!
                val adapted = Grad.noGrad { m.logits(Inputs.of(ids)) }
                Fixtures.maxDiff(adapted, e["logits"]!!) shouldBeLessThan 1e-4
                Fixtures.maxDiff(adapted, e["base_logits"]!!) shouldBeGreaterThan 1.0 // the adapter matters
                m.adaptersDisabled().use { Fixtures.maxDiff(Grad.noGrad { m.logits(Inputs.of(ids)) }, e["base_logits"]!!) shouldBeLessThan 1e-4 }
                m.mergeLora()
                Fixtures.maxDiff(Grad.noGrad { m.logits(Inputs.of(ids)) }, e["logits"]!!) shouldBeLessThan 1e-4
            }
        }
    }
})
