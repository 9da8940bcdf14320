package dev.lathe.tests.align

import dev.lathe.engine.align.Losses
import dev.lathe.engine.align.PairLogps
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensors
import dev.lathe.tests.align.Hand.NLL
import dev.lathe.tests.align.Hand.close
import dev.lathe.tests.align.Hand.delta
import dev.lathe.tests.align.Hand.logsig
import dev.lathe.tests.align.Hand.mean
import dev.lathe.tests.align.Hand.nc
import dev.lathe.tests.align.Hand.nr
import dev.lathe.tests.align.Hand.pc
import dev.lathe.tests.align.Hand.pr
import dev.lathe.tests.align.Hand.rc
import dev.lathe.tests.align.Hand.rhoC
import dev.lathe.tests.align.Hand.rhoR
import dev.lathe.tests.align.Hand.rr
import dev.lathe.tests.align.Hand.sig
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.math.exp
import kotlin.math.ln
import kotlin.math.max
import kotlin.math.pow

/** Every DPO loss_type against values derived by hand from the formulas, with plain doubles. */
class DpoLossSpec : FunSpec({
    val beta = 0.1
    val eps = 0.1

    fun cdpo(z: Double, e: Double) = -(1 - e) * logsig(z) - e * logsig(-z)
    fun dpoLoss(type: String, e: Double = 0.0, b: Double = beta) =
        Losses.dpo().lossType(type).beta(b).labelSmoothing(e).build().compute(Hand.batch()).loss().item()

    val expected: Map<String, Double> = mapOf(
        "sigmoid" to mean(delta.map { -logsig(beta * it) }),
        "hinge" to mean(delta.map { max(0.0, 1 - beta * it) }),
        "ipo" to mean(List(3) {
            val d = (pc[it] / nc[it] - pr[it] / nr[it]) - (rc[it] / nc[it] - rr[it] / nr[it])
            (d - 1 / (2 * beta)).pow(2)
        }),
        "robust" to mean(delta.map { -logsig(beta * it) }), // ε = 0: same as sigmoid
        "exo_pair" to mean(delta.map { // ε = 0 is replaced by 1e-3 (TRL LEGACY)
            val z = beta * it
            sig(z) * (logsig(z) - ln(1 - 1e-3)) + sig(-z) * (logsig(-z) - ln(1e-3))
        }),
        "bco_pair" to run { // first batch: running mean ≈ this batch's mean of [βρ_c, βρ_r]
            val d = mean(rhoC.map { beta * it } + rhoR.map { beta * it })
            mean(List(3) { -logsig(beta * rhoC[it] - d) - logsig(-(beta * rhoR[it] - d)) })
        },
        "sppo_hard" to mean(List(3) { (rhoC[it] - 0.5 / beta).pow(2) + (rhoR[it] + 0.5 / beta).pow(2) }),
        "nca_pair" to mean(List(3) {
            val c = beta * rhoC[it]; val r = beta * rhoR[it]
            -logsig(c) - 0.5 * logsig(-c) - 0.5 * logsig(-r)
        }),
        "aot" to run {
            val pol = List(3) { pc[it] - pr[it] }.sorted()
            val ref = List(3) { rc[it] - rr[it] }.sorted()
            mean(List(3) { -logsig(beta * (pol[it] - ref[it])) })
        },
        "aot_pair" to run {
            val c = rhoC.sorted(); val r = rhoR.sorted()
            mean(List(3) { -logsig(beta * (c[it] - r[it])) })
        },
        "apo_zero" to mean(List(3) { (1 - sig(beta * rhoC[it])) + sig(beta * rhoR[it]) }),
        "apo_down" to mean(List(3) { sig(beta * rhoC[it]) + 1 - sig(beta * (rhoC[it] - rhoR[it])) }),
        "discopop" to mean(delta.map {
            val z = beta * it; val w = sig(z / 0.05)
            (1 - w) * -logsig(z) + w * exp(-z)
        }),
        "sigmoid_norm" to mean(List(3) { -logsig(beta * (rhoC[it] / nc[it] - rhoR[it] / nr[it])) }),
        "sft" to NLL,
    )

    test("the hand-derived table covers every DPO loss type") {
        expected.keys shouldBe Losses.DPO_LOSS_TYPES.toSet()
    }

    for ((type, value) in expected) {
        test("dpo loss_type $type = hand-derived value") {
            Scope.open().use { close(dpoLoss(type), value, type, tol = 1e-7) } // 1e-7: bco's 1e-24 count
        }
    }

    test("label_smoothing: cDPO sigmoid, robust, exo_pair, aot with ε = 0.1") {
        Scope.open().use {
            close(dpoLoss("sigmoid", eps), mean(delta.map { cdpo(beta * it, eps) }))
            close(dpoLoss("robust", eps), mean(delta.map {
                (-(1 - eps) * logsig(beta * it) + eps * logsig(-beta * it)) / (1 - 2 * eps)
            }))
            close(dpoLoss("exo_pair", eps), mean(delta.map {
                val z = beta * it
                sig(z) * (logsig(z) - ln(1 - eps)) + sig(-z) * (logsig(-z) - ln(eps))
            }))
            val pol = List(3) { pc[it] - pr[it] }.sorted(); val ref = List(3) { rc[it] - rr[it] }.sorted()
            close(dpoLoss("aot", eps), mean(List(3) { cdpo(beta * (pol[it] - ref[it]), eps) }))
        }
    }

    test("IPO example from objectives-trl.md: 21.6225") {
        Scope.open().use {
            val x = PairLogps.of(Hand.t(doubleArrayOf(-10.0)), Hand.t(doubleArrayOf(-12.0)),
                Hand.t(doubleArrayOf(-11.0)), Hand.t(doubleArrayOf(-11.5)))
                .withTokens(Tensors.of(longArrayOf(4)), Tensors.of(longArrayOf(5)))
            close(Losses.ipo().beta(0.1).build().compute(x).loss().item(), 21.6225)
        }
    }

    test("multi-loss: Σ w_k mean L_k, reward metrics scale with Σw, rpo_alpha adds α·NLL") {
        Scope.open().use {
            val loss = Losses.dpo().lossType(listOf("sigmoid", "hinge", "sft")).lossWeights(listOf(0.8, 0.2, 1.0))
                .beta(beta).rpoAlpha(0.5).build()
            val r = loss.compute(Hand.batch())
            val want = 0.8 * expected["sigmoid"]!! + 0.2 * expected["hinge"]!! + NLL + 0.5 * NLL
            close(r.loss().item(), want, "loss")
            close(r.metric("rewards/chosen"), 2.0 * beta * mean(rhoC), "rewards/chosen")
            close(r.metric("nll_loss"), NLL, "nll_loss")
        }
    }

    test("metrics: TRL names and values for sigmoid (ties count as not accurate)") {
        Scope.open().use {
            // pair 2 has ρ_c = ρ_r = 0.5: a tie
            val x = PairLogps.of(Hand.t(doubleArrayOf(-5.0, -7.0, -4.0)), Hand.t(doubleArrayOf(-6.0, -6.5, -9.0)),
                Hand.t(doubleArrayOf(-5.5, -7.5, -4.5)), Hand.t(doubleArrayOf(-5.5, -7.0, -8.0)))
                .withLogitsMeans(0.25, -0.5)
            val r = Losses.dpo().beta(beta).build().compute(x)
            r.metrics().keys.toList() shouldBe listOf("rewards/chosen", "rewards/rejected", "rewards/accuracies",
                "rewards/margins", "logps/chosen", "logps/rejected", "logits/chosen", "logits/rejected")
            val c = listOf(0.5, 0.5, 0.5).map { beta * it }
            val j = listOf(-0.5, 0.5, -1.0).map { beta * it }
            close(r.metric("rewards/chosen"), mean(c))
            close(r.metric("rewards/rejected"), mean(j))
            close(r.metric("rewards/accuracies"), 2.0 / 3.0)
            close(r.metric("rewards/margins"), mean(List(3) { c[it] - j[it] }))
            close(r.metric("logps/chosen"), mean(listOf(-5.0, -7.0, -4.0)))
            close(r.metric("logps/rejected"), mean(listOf(-6.0, -6.5, -9.0)))
            close(r.metric("logits/chosen"), 0.25)
            close(r.metric("logits/rejected"), -0.5)
        }
    }

    test("ipo in the list length-averages logps/* and rewards/* metrics (TRL LEGACY)") {
        Scope.open().use {
            val r = Losses.dpo().lossType(listOf("sigmoid", "ipo")).beta(beta).build().compute(Hand.batch())
            close(r.metric("logps/chosen"), mean(List(3) { pc[it] / nc[it] }))
            close(r.metric("rewards/rejected"), 2 * beta * mean(List(3) { (pr[it] - rr[it]) / nr[it] }))
        }
    }

    test("reference_free: reference log-probs are taken as 0 and may be absent") {
        Scope.open().use {
            val loss = Losses.dpo().beta(beta).referenceFree(true).build()
            loss.isReferenceFree shouldBe true
            val x = PairLogps.of(Hand.t(pc), Hand.t(pr), null, null)
            val r = loss.compute(x)
            close(r.loss().item(), mean(List(3) { -logsig(beta * (pc[it] - pr[it])) }))
            close(r.metric("rewards/chosen"), beta * mean(pc.toList()))
        }
    }

    test("gradient of sigmoid DPO w.r.t. policy log-probs is ∓β·σ(−βΔ)/b") {
        Scope.open().use {
            val c = Hand.t(pc).requiresGrad_(true)
            val r = Hand.t(pr).requiresGrad_(true)
            val res = Losses.dpo().beta(beta).build().compute(PairLogps.of(c, r, Hand.t(rc), Hand.t(rr)))
            res.loss().backward()
            val gc = c.grad()!!.toDoubleArray()
            val gr = r.grad()!!.toDoubleArray()
            for (i in 0 until 3) {
                val g = beta * sig(-beta * delta[i]) / 3
                close(gc[i], -g, "dL/dchosen[$i]", 1e-12)
                close(gr[i], g, "dL/drejected[$i]", 1e-12)
            }
        }
    }

    test("rpo_alpha gradient reaches the NLL tensor with weight α") {
        Scope.open().use {
            val nll = Tensors.scalar(NLL, DType.F64).requiresGrad_(true)
            val r = Losses.dpo().beta(beta).rpoAlpha(0.25).build().compute(Hand.batch().withNll(nll))
            r.loss().backward()
            close(nll.grad()!!.item(), 0.25)
        }
    }

    test("bco_pair keeps a running mean across batches; its state can be saved and restored") {
        Scope.open().use {
            val loss = Losses.dpo().lossType("bco_pair").beta(beta).build()
            loss.compute(Hand.batch())
            val x2 = PairLogps.of(Hand.t(pr), Hand.t(pc), Hand.t(rc), Hand.t(rr)) // a different batch
            val second = loss.compute(x2).loss().item()
            val m1 = mean(rhoC.map { beta * it } + rhoR.map { beta * it })
            val rc2 = List(3) { pr[it] - rc[it] }; val rr2 = List(3) { pc[it] - rr[it] }
            val m2 = mean(rc2.map { beta * it } + rr2.map { beta * it })
            val running = (m1 + m2) / 2
            close(loss.bcoState().get().mean(), running, "running mean", 1e-12)
            close(second, mean(List(3) { -logsig(beta * rc2[it] - running) - logsig(-(beta * rr2[it] - running)) }))
            val st = loss.bcoState().get()
            st.restore(0.5, 1.0, 3.0)
            st.update(2.0)
            close(st.mean(), 0.5 + 1.5 / 4, "restored then updated", 1e-12)
        }
    }

    test("missing inputs fail with a clear message") {
        Scope.open().use {
            shouldThrow<IllegalArgumentException> {
                Losses.dpo().build().compute(PairLogps.of(Hand.t(pc), Hand.t(pr), null, null))
            }.message shouldContain "reference_free"
            shouldThrow<IllegalArgumentException> {
                Losses.ipo().build().compute(PairLogps.of(Hand.t(pc), Hand.t(pr), Hand.t(rc), Hand.t(rr)))
            }.message shouldContain "token counts"
            shouldThrow<IllegalArgumentException> {
                Losses.dpo().rpoAlpha(1.0).build().compute(PairLogps.of(Hand.t(pc), Hand.t(pr), Hand.t(rc), Hand.t(rr)))
            }.message shouldContain "NLL"
            shouldThrow<IllegalArgumentException> {
                PairLogps.of(Hand.t(pc), Hand.t(doubleArrayOf(1.0, 2.0)), null, null)
            }.message shouldContain "policyRejected must have shape [3]"
        }
    }

    test("compute leaves no native tensors behind once the caller's scope closes") {
        Scope.open().use { Losses.dpo().build().compute(Hand.batch()) } // warm-up
        val before = Tensors.liveCount()
        Scope.open().use {
            val loss = Losses.dpo().lossType(listOf("sigmoid", "bco_pair", "ipo")).rpoAlpha(0.1).build()
            repeat(5) {
                val x = PairLogps.of(Hand.t(pc).requiresGrad_(true), Hand.t(pr).requiresGrad_(true), Hand.t(rc), Hand.t(rr))
                    .withTokens(Tensors.of(nc), Tensors.of(nr)).withNll(Tensors.scalar(NLL, DType.F64))
                loss.compute(x).loss().backward()
            }
        }
        Tensors.liveCount() shouldBe before
    }

    test("reference log-probs are constants: no gradient flows into them") {
        Scope.open().use {
            val c = Hand.t(pc).requiresGrad_(true)
            val refC = Hand.t(rc).requiresGrad_(true)
            Losses.dpo().build().compute(PairLogps.of(c, Hand.t(pr), refC, Hand.t(rr))).loss().backward()
            (refC.grad() == null) shouldBe true
            (c.grad() == null) shouldBe false
        }
    }

    test("f_divergence_type (LEGACY forms) changes only the Δ-family: js and alpha by hand") {
        Scope.open().use {
            fun softplus(v: Double) = ln(1 + exp(v))
            val js = List(3) { delta[it] - (softplus(rhoC[it]) - softplus(rhoR[it])) }
            val sig = Losses.dpo().beta(beta).fDivergenceType("js_divergence").build().compute(Hand.batch())
            close(sig.loss().item(), mean(js.map { -logsig(beta * it) }), "js sigmoid")
            val a = 0.5
            val al = List(3) { (exp(-a * rhoR[it]) - exp(-a * rhoC[it])) / a }
            val hinge = Losses.dpo().lossType("hinge").beta(beta).fDivergenceType("alpha_divergence")
                .fAlphaDivergenceCoef(a).build().compute(Hand.batch())
            close(hinge.loss().item(), mean(al.map { max(0.0, 1 - beta * it) }), "alpha hinge")
            val nca = Losses.dpo().lossType("nca_pair").beta(beta).fDivergenceType("js_divergence").build()
            close(nca.compute(Hand.batch()).loss().item(), expected["nca_pair"]!!, "nca_pair unaffected")
        }
    }
})
