package dev.lathe.tests.train

import dev.lathe.engine.data.EncodedExample
import dev.lathe.engine.data.Method
import dev.lathe.engine.data.PairBatch
import dev.lathe.engine.data.PreparedRow
import dev.lathe.engine.data.TextExample
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.Inputs
import dev.lathe.engine.model.LogProbs
import dev.lathe.engine.model.ModelInit
import dev.lathe.engine.tensor.Tensor
import dev.lathe.engine.train.methods.Scored
import dev.lathe.engine.train.methods.SeqTensors
import dev.lathe.tests.model.Fixtures
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.shouldBe

/**
 * Scored scores only the positions it needs (completion tokens, or every real token for ORPO): same
 * log-probs, sums and parameter gradients as the full-row label log-probs over the padded batch.
 */
class ScoredSpec : StringSpec({
    fun pair(i: Int, prompt: IntArray, chosen: IntArray, rejected: IntArray) =
        EncodedExample(PreparedRow(emptyMap(), "spec:$i", TextExample.pair(Method.DPO, "", "", "")), prompt, arrayOf(chosen, rejected))

    "completion-only and every-real-token scoring equal the full-row op in values and gradients" {
        Fixtures.scoped {
            CausalLM(Fixtures.tinySpec()).use { m ->
                ModelInit.randomize(m, 3, 0.2)
                // uneven lengths: padding on both sides of the concatenated [2b, s] batch
                val examples = listOf(pair(0, intArrayOf(3, 4, 5), intArrayOf(6, 7), intArrayOf(8, 9, 10, 11)),
                    pair(1, intArrayOf(12), intArrayOf(13, 14, 15, 16, 17), intArrayOf(18)))
                val seqs = SeqTensors.of(PairBatch.of(examples, 0))
                val s = seqs.length()
                val params = m.trainableParameters()
                fun grads(loss: Tensor): List<Tensor> {
                    params.forEach { it.zeroGrad() }
                    loss.backward()
                    return params.map { it.grad()!!.clone() }
                }
                val hidden = m.hidden(Inputs.padded(seqs.ids(), seqs.attention()))
                val real = seqs.attention().narrow(1, 1, s - 1)
                val comp = seqs.completion().narrow(1, 1, s - 1)
                val full = LogProbs.ofLabels(hidden.narrow(1, 0, s - 1), m.lmHeadWeight(), seqs.ids().narrow(1, 1, s - 1), real, 4)
                val fullComp = full.logps().mul(comp)
                val coef = comp.mul(0.5).add(real).mul(1.3) // weights prompt and completion tokens differently
                val expectedSumGrads = grads(fullComp.sum(1, false).mul(fullComp.sum(1, false)).sum())
                val expectedRealGrads = grads(LogProbs.ofLabels(m.hidden(Inputs.padded(seqs.ids(), seqs.attention())).narrow(1, 0, s - 1),
                    m.lmHeadWeight(), seqs.ids().narrow(1, 1, s - 1), real, 4).logps().mul(coef).sum())

                val c = Scored.of(m, seqs)
                Fixtures.maxDiff(c.tokenLogps(), fullComp) shouldBeLessThan 1e-5
                Fixtures.maxDiff(c.sums(), fullComp.sum(1, false)) shouldBeLessThan 1e-5
                Fixtures.maxDiff(c.logitSums(), full.logitSums().mul(comp).sum(1, false)) shouldBeLessThan 1e-3
                c.counts().sum().item() shouldBe comp.sum().item()
                grads(c.sums().mul(c.sums()).sum()).zip(expectedSumGrads).forEach { (a, b) -> Fixtures.maxDiff(a, b) shouldBeLessThan 1e-6 * (1 + b.abs().max().item()) }

                val r = Scored.of(m, seqs, true)
                Fixtures.maxDiff(r.tokenLogps(), full.logps()) shouldBeLessThan 1e-5
                grads(r.tokenLogps().mul(coef).sum()).zip(expectedRealGrads).forEach { (a, b) -> Fixtures.maxDiff(a, b) shouldBeLessThan 1e-6 * (1 + b.abs().max().item()) }
                (full.logps().abs().sum().item() > 1.0) shouldBe true // the comparison is not between zeros
            }
        }
    }
})
