package dev.lathe.tests.model

import dev.lathe.engine.model.LogProbs
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Runtime
import dev.lathe.engine.tensor.Tensors
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.shouldBe

/** Chunked label log-probs equal log_softmax + gather on the whole [b, s, v], gradients included. */
class LogProbsSpec : StringSpec({
    "values, logit sums and gradients of hidden and weight match the full computation" {
        Fixtures.scoped {
            Runtime.seed(7)
            val hidden = Tensors.randn(3, 7, 16).requiresGrad_(true)
            val weight = Tensors.randn(29, 16).mul(0.5).detach().requiresGrad_(true)
            val labels = Tensors.randint(0, 29, 3, 7)
            labels.select(0, 1).narrow(0, 0, 2).fill_(-100.0) // ignored labels
            val mask = Tensors.ones(longArrayOf(3, 7), DType.I64)
            mask.select(0, 2).narrow(0, 5, 2).zero_() // padding
            val coef = Tensors.randn(3, 7) // an arbitrary downstream loss: sum(coef * logp)

            val full = LogProbs.full(hidden, weight, labels, mask)
            full.mul(coef).sum().backward()
            val gh = hidden.grad()!!.clone()
            val gw = weight.grad()!!.clone()
            hidden.zeroGrad(); weight.zeroGrad()

            for (chunk in listOf(1, 4, 21, 100)) {
                val r = LogProbs.ofLabels(hidden, weight, labels, mask, chunk)
                Fixtures.maxDiff(r.logps(), full) shouldBeLessThan 1e-5
                r.logps().mul(coef).sum().backward()
                Fixtures.maxDiff(hidden.grad()!!, gh) shouldBeLessThan 1e-5
                Fixtures.maxDiff(weight.grad()!!, gw) shouldBeLessThan 1e-5
                hidden.zeroGrad(); weight.zeroGrad()
                val sums = hidden.matmul(weight.t()).sum(2, false)
                Fixtures.maxDiff(r.logitSums(), sums) shouldBeLessThan 1e-4
            }
            // ignored and padded positions are exactly 0
            val r = LogProbs.ofLabels(hidden, weight, labels, mask, 5).logps()
            r.select(0, 1).narrow(0, 0, 2).abs().sum().item() shouldBe 0.0
            r.select(0, 2).narrow(0, 5, 2).abs().sum().item() shouldBe 0.0
        }
    }
})
