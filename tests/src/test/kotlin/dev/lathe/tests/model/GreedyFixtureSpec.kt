package dev.lathe.tests.model

import dev.lathe.engine.generate.Generator
import dev.lathe.engine.generate.Sampling
import dev.lathe.engine.model.Models
import dev.lathe.engine.tensor.DType
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe

/**
 * Greedy generation (KV-cached, batched) against tests/fixtures/models/make_greedy.py: an independent
 * PyTorch forward recomputing the whole sequence for each token (Debian's python3-torch). The script
 * refuses near-ties, so the tokens are exact; the chosen tokens' log-probs agree to float precision.
 */
class GreedyFixtureSpec : StringSpec({
    "greedy tokens and their log-probs equal the PyTorch reference's" {
        Fixtures.scoped {
            val e = Fixtures.tensors(Fixtures.model("llama").resolve("greedy.safetensors"))
            val prompts = e["prompts"]!!.let { p -> (0 until 2).map { i -> p.select(0, i.toLong()).toLongArray().map { it.toInt() }.toIntArray() } }
            val tokens = e["tokens"]!!
            val logps = e["logprobs"]!!
            Models.loadCausalLM(Fixtures.model("llama"), DType.F32).use { m ->
                val out = Generator(m, null, 0).generate(prompts, Sampling.greedy(8, emptySet()))
                out.size shouldBe 2
                for (i in 0 until 2) {
                    out[i].tokens().toList() shouldBe tokens.select(0, i.toLong()).toLongArray().map { it.toInt() }
                    val want = logps.select(0, i.toLong()).toFloatArray()
                    for (k in 0 until 8) out[i].logprobs()[k].toDouble() shouldBe (want[k].toDouble() plusOrMinus 1e-4)
                }
            }
        }
    }
})
