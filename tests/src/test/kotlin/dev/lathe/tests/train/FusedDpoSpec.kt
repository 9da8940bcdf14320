package dev.lathe.tests.train

import dev.lathe.engine.align.Losses
import dev.lathe.engine.data.EncodedExample
import dev.lathe.engine.data.Method
import dev.lathe.engine.data.PairBatch
import dev.lathe.engine.data.PreparedRow
import dev.lathe.engine.data.TextExample
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.FusedDpo
import dev.lathe.engine.model.LogProbs
import dev.lathe.engine.model.ModelInit
import dev.lathe.engine.tensor.Runtime
import dev.lathe.engine.tensor.Tensor
import dev.lathe.engine.tensor.Tensors
import dev.lathe.engine.train.PhaseTimer
import dev.lathe.engine.train.methods.FusedPairStep
import dev.lathe.engine.train.methods.PairRows
import dev.lathe.engine.train.methods.PairStep
import dev.lathe.engine.train.methods.Reference
import dev.lathe.tests.model.Fixtures
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe

/**
 * The fused sigmoid-DPO op (gradients formed in forward, the output layer run once) gives the loss
 * and the hidden / lm_head gradients of the plain computation: [N, v] log_softmax, per-sequence sums,
 * then the cDPO formula; and the pair step through it equals the step through the chunked path.
 */
class FusedDpoSpec : StringSpec({
    "fused sigmoid DPO equals log_softmax + sums + the cDPO formula in loss and gradients" {
        Fixtures.scoped {
            Runtime.seed(11)
            // 3 pairs, 6 sequences; the second chosen row scores no token at all
            val counts = longArrayOf(4, 0, 3, 5, 2, 6)
            val seq = Tensors.of(counts.indices.flatMap { i -> List(counts[i].toInt()) { i.toLong() } }.toLongArray())
            val n = seq.size(0)
            val hidden = Tensors.randn(n, 16).requiresGrad_(true)
            val weight = Tensors.randn(37, 16).mul(0.5).detach().requiresGrad_(true)
            val labels = Tensors.randint(0, 37, n)
            val ref = Tensors.randn(6).mul(3.0)
            val beta = 0.3; val eps = 0.1; val scale = 0.7

            val logp = LogProbs.full(hidden.unsqueeze(0), weight, labels.unsqueeze(0), null).reshape(n) // [N]
            val sums = Tensors.zeros(6).indexAdd(0, seq, logp)
            val rho = sums.sub(ref)
            val z = rho.narrow(0, 0, 3).sub(rho.narrow(0, 3, 3)).mul(beta)
            val plain = z.logsigmoid().mul(-(1 - eps)).sub(z.neg().logsigmoid().mul(eps)).mean().mul(scale)
            plain.backward()
            val gh = hidden.grad()!!.clone(); val gw = weight.grad()!!.clone()
            hidden.zeroGrad(); weight.zeroGrad()

            val r = FusedDpo.sigmoid(hidden, weight, labels, seq, ref, beta, eps, scale)
            r.loss().item() shouldBe (plain.item() plusOrMinus 1e-6)
            Fixtures.maxDiff(r.logps(), logp) shouldBeLessThan 1e-5
            r.loss().mul(2.5).backward() // the saved gradients scale with the incoming one
            Fixtures.maxDiff(hidden.grad()!!, gh.mul(2.5)) shouldBeLessThan 1e-6
            Fixtures.maxDiff(weight.grad()!!, gw.mul(2.5)) shouldBeLessThan 1e-6
            (gw.abs().max().item() > 1e-3) shouldBe true // the comparison is not between zeros
            (gh.abs().max().item() > 1e-3) shouldBe true
        }
    }

    "the pair step through the fused op equals the chunked path: loss, metrics, parameter gradients" {
        Fixtures.scoped {
            fun pair(i: Int, prompt: IntArray, chosen: IntArray, rejected: IntArray) =
                EncodedExample(PreparedRow(emptyMap(), "spec:$i", TextExample.pair(Method.DPO, "", "", "")), prompt, arrayOf(chosen, rejected))
            CausalLM(Fixtures.tinySpec(tied = true)).use { m ->
                ModelInit.randomize(m, 3, 0.2)
                val refModel = CausalLM(Fixtures.tinySpec(tied = true))
                ModelInit.randomize(refModel, 4, 0.2)
                Reference.frozen(refModel).use { ref ->
                    val examples = listOf(pair(0, intArrayOf(3, 4, 5), intArrayOf(6, 7), intArrayOf(8, 9, 10, 11)),
                        pair(1, intArrayOf(12), intArrayOf(13, 14, 15, 16, 17), intArrayOf(18)),
                        pair(2, intArrayOf(19, 20), intArrayOf(21, 22, 23), intArrayOf(24, 25)))
                    val rows = PairRows(intArrayOf(0, 1, 2), PairBatch.of(examples, 0))
                    val loss = Losses.dpo().beta(0.5).labelSmoothing(0.05).build()
                    FusedPairStep.sigmoidOnly(loss) shouldNotBe null // the fused path is the one under test
                    val params = m.trainableParameters()
                    fun run(fuse: Boolean): Pair<Double, Map<String, Double>> {
                        params.forEach { it.zeroGrad() }
                        val out = PairStep(m, loss, ref, fuse).compute(rows, PhaseTimer())
                        out.loss().backward()
                        return out.loss().item() to out.metrics()
                    }
                    val (plainLoss, plainMetrics) = run(false)
                    val plainGrads = params.map { it.grad()!!.clone() }
                    val (fusedLoss, fusedMetrics) = run(true)
                    fusedLoss shouldBe (plainLoss plusOrMinus 1e-6)
                    fusedMetrics.keys shouldBe plainMetrics.keys
                    fusedMetrics.forEach { (k, v) -> v shouldBe (plainMetrics[k]!! plusOrMinus 1e-5 * (1 + Math.abs(plainMetrics[k]!!))) }
                    params.map { it.grad()!! }.zip(plainGrads).forEach { (a, b) ->
                        Fixtures.maxDiff(a, b) shouldBeLessThan 1e-6 * (1 + b.abs().max().item())
                    }
                    (plainGrads.sumOf { it.abs().sum().item() } > 1e-3) shouldBe true
                }
            }
        }
    }
})
