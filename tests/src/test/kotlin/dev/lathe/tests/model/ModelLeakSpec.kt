package dev.lathe.tests.model

import dev.lathe.engine.generate.Generator
import dev.lathe.engine.generate.Sampling
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.Inputs
import dev.lathe.engine.model.ModelInit
import dev.lathe.engine.nn.LoraSpec
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensors
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe

/** Training steps through the model, LoRA reference passes and generation return every native handle. */
class ModelLeakSpec : StringSpec({
    "forward, chunked log-prob backward, adapter-off pass and sampling leave the live-handle count unchanged" {
        CausalLM(Fixtures.tinySpec()).use { m ->
            ModelInit.randomize(m, 2, 0.1)
            m.addLora(LoraSpec(2, 4.0, 0.1, listOf("q_proj", "v_proj"), false, false))
            val ids = Scope.detached().let { s -> s to s.own(Tensors.randint(0, 50, 3, 12)) }
            fun step() = Scope.open().use {
                val h = m.hidden(Inputs.packed(ids.second, Tensors.arange(12).remainder(6.0).unsqueeze(0).expand(3, 12)))
                val lp = m.labelLogProbs(Inputs.of(ids.second), ids.second, null, 7).logps()
                m.adaptersDisabled().use { m.hidden(Inputs.of(ids.second)).sum().item() }
                lp.sum().add(h.mean()).backward()
                m.zeroGrad()
            }
            val gen = Generator(m, null, 0)
            val sampling = Sampling.greedy(6, setOf()).withSamples(2).withSampling(1.0, 10, 0.9, 0.0, 1)
            step()
            gen.generate(listOf(intArrayOf(1, 2, 3), intArrayOf(4)), sampling)
            val base = Tensors.liveCount()
            repeat(10) { step() }
            repeat(3) { gen.generate(listOf(intArrayOf(1, 2, 3), intArrayOf(4)), sampling) }
            Tensors.liveCount() shouldBe base
            ids.first.close()
        }
    }

    "building, initialising and closing a model returns every handle (the rotary tables' temporaries included)" {
        val before = Tensors.liveCount()
        repeat(2) { CausalLM(Fixtures.tinySpec()).use { m -> ModelInit.randomize(m, 2, 0.1) } }
        Tensors.liveCount() shouldBe before
    }
})
