package dev.lathe.tests.model

import dev.lathe.engine.model.LogProbs
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Runtime
import dev.lathe.engine.tensor.Tensors
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.doubles.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import dev.lathe.engine.tensor.Grad
import dev.lathe.engine.tensor.Tensor

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

    "a kept-set threshold renormalises over the tokens at or above it; entropy is of that distribution" {
        Fixtures.scoped {
            // hand-derived: logits [1, 2, 3] (hidden [1, 1, 1] against one-hot rows), threshold 1.5 keeps {2, 3}
            val hidden = Tensors.of(floatArrayOf(1f), 1, 1, 1)
            val weight = Tensors.of(floatArrayOf(1f, 2f, 3f), 3, 1)
            val label = Tensors.of(longArrayOf(2), 1, 1)
            val tau = Tensors.of(floatArrayOf(1.5f), 1, 1)
            val r = LogProbs.ofLabels(hidden, weight, label, null, tau, 4)
            val lse = Math.log(Math.exp(2.0) + Math.exp(3.0))
            r.logps().item() shouldBe (3.0 - lse plusOrMinus 1e-6)
            val p2 = Math.exp(2.0 - lse); val p3 = Math.exp(3.0 - lse)
            r.entropy().item() shouldBe (-(p2 * Math.log(p2) + p3 * Math.log(p3)) plusOrMinus 1e-6)
            // -inf keeps the whole vocabulary; a label below the threshold is still kept (finite)
            val all = LogProbs.ofLabels(hidden, weight, label, null, Tensors.full(longArrayOf(1, 1), Double.NEGATIVE_INFINITY, DType.F32), 4)
            all.logps().item() shouldBe (3.0 - Math.log(Math.exp(1.0) + Math.exp(2.0) + Math.exp(3.0)) plusOrMinus 1e-6)
            val low = LogProbs.ofLabels(hidden, weight, Tensors.of(longArrayOf(0), 1, 1), null, Tensors.of(floatArrayOf(2.5f), 1, 1), 4)
            low.logps().item() shouldBe (1.0 - Math.log(Math.exp(1.0) + Math.exp(3.0)) plusOrMinus 1e-6)
        }
    }

    "with a threshold, values, entropy and gradients match the masked [b, s, v] computation" {
        Fixtures.scoped {
            Runtime.seed(11)
            val hidden = Tensors.randn(3, 7, 16).requiresGrad_(true)
            val weight = Tensors.randn(29, 16).mul(0.5).detach().requiresGrad_(true)
            val labels = Tensors.randint(0, 29, 3, 7)
            labels.select(0, 1).narrow(0, 0, 2).fill_(-100.0)
            val mask = Tensors.ones(longArrayOf(3, 7), DType.I64)
            mask.select(0, 2).narrow(0, 5, 2).zero_()
            val coef = Tensors.randn(3, 7)
            // thresholds between the 5th and 6th largest logit of each token (a top-5 set), -inf on row 0
            val logits = Grad.disabled().use { hidden.matmul(weight.t()) }
            val sorted = logits.sort(2, true)[0]
            val tau = sorted.narrow(2, 4, 1).add(sorted.narrow(2, 5, 1)).div(2.0).squeeze(2)
            tau.select(0, 0).fill_(Double.NEGATIVE_INFINITY)

            val ref = maskedReference(hidden, weight, labels, mask, tau)
            ref.first.mul(coef).sum().backward()
            val gh = hidden.grad()!!.clone()
            val gw = weight.grad()!!.clone()
            hidden.zeroGrad(); weight.zeroGrad()
            for (chunk in listOf(1, 6, 100)) {
                val r = LogProbs.ofLabels(hidden, weight, labels, mask, tau, chunk)
                Fixtures.maxDiff(r.logps(), ref.first) shouldBeLessThan 1e-5
                Fixtures.maxDiff(r.entropy(), ref.second) shouldBeLessThan 1e-5
                r.entropy().requiresGrad() shouldBe false
                r.logps().mul(coef).sum().backward()
                Fixtures.maxDiff(hidden.grad()!!, gh) shouldBeLessThan 1e-5
                Fixtures.maxDiff(weight.grad()!!, gw) shouldBeLessThan 1e-5
                hidden.zeroGrad(); weight.zeroGrad()
            }
            // the threshold really restricts: rows 1 and 2 differ from the full softmax
            Fixtures.maxDiff(LogProbs.ofLabels(hidden, weight, labels, mask, 4).logps(), ref.first) shouldBeGreaterThan 1e-2
        }
    }

    "under bf16 autocast the lm_head GEMMs run in bf16 forward and backward (backward runs outside autocast), as eager's do" {
        Fixtures.scoped {
            Runtime.seed(11)
            val hidden = Tensors.randn(2, 9, 32).requiresGrad_(true)
            val weight = Tensors.randn(41, 32).mul(0.3).detach().requiresGrad_(true)
            val labels = Tensors.randint(0, 41, 2, 9)
            val mask = Tensors.ones(longArrayOf(2, 9), DType.I64)
            val coef = Tensors.randn(2, 9)
            // eager's bf16 linear: bf16 operands, f32 log-softmax; its backward casts the logits' gradient to bf16
            val logits = hidden.to(DType.BF16).matmul(weight.to(DType.BF16).t()).toFloat()
            logits.logSoftmax(2).gather(2, labels.unsqueeze(2)).squeeze(2).mul(coef).sum().backward()
            val gh = hidden.grad()!!.clone()
            val gw = weight.grad()!!.clone()
            hidden.zeroGrad(); weight.zeroGrad()
            val lp = dev.lathe.engine.tensor.Autocast.bf16().use { LogProbs.ofLabels(hidden, weight, labels, mask, 5).logps() }
            lp.mul(coef).sum().backward() // outside autocast, as TrainLoop runs it
            // d hidden comes out of a bf16 GEMM: every value is a bf16 number (an f32 backward's would not be), within one
            // bf16 ulp of eager's; d weight sums bf16 GEMMs over chunks in f32, within a few ulps of eager's single GEMM
            val g = hidden.grad()!!
            Fixtures.maxDiff(g.to(DType.BF16).toFloat(), g) shouldBe 0.0
            Fixtures.maxDiff(g, gh) shouldBeLessThan gh.abs().max().item() / 128
            Fixtures.maxDiff(weight.grad()!!, gw) shouldBeLessThan gw.abs().max().item() / 64
        }
    }
})

/** log-probs and entropy over {v : logit_v >= tau} plus the label, the whole [b, s, v] at once, by autograd. */
private fun maskedReference(hidden: Tensor, weight: Tensor, labels: Tensor, mask: Tensor, tau: Tensor): Pair<Tensor, Tensor> {
    val logits = hidden.matmul(weight.t())
    val valid = labels.ge(0.0).logicalAnd(mask.ne(0.0))
    val safe = labels.mul(labels.ge(0.0).toLong()).unsqueeze(2)
    val isLabel = Tensors.zerosLike(logits).scatter(2, safe, Tensors.onesLike(safe).toFloat()).ne(0.0)
    val kept = logits.ge(tau.unsqueeze(2)).logicalOr(isLabel)
    val logp = logits.maskedFill(kept.logicalNot(), Double.NEGATIVE_INFINITY).logSoftmax(2)
    val picked = logp.gather(2, safe).squeeze(2).mul(valid.toFloat())
    val p = logp.exp()
    val ent = p.mul(logp.maskedFill(kept.logicalNot(), 0.0)).sum(2, false).neg().mul(valid.toFloat())
    return picked to ent.detach()
}
