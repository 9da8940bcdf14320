package dev.lathe.tests.align

import dev.lathe.engine.align.KtoLogps
import dev.lathe.engine.align.KtoMetrics
import dev.lathe.engine.align.Losses
import dev.lathe.engine.align.Nll
import dev.lathe.engine.align.PairLogps
import dev.lathe.engine.align.RewardScores
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensors
import dev.lathe.tests.align.Hand.NLL
import dev.lathe.tests.align.Hand.close
import dev.lathe.tests.align.Hand.logsig
import dev.lathe.tests.align.Hand.mean
import dev.lathe.tests.align.Hand.nc
import dev.lathe.tests.align.Hand.nr
import dev.lathe.tests.align.Hand.pc
import dev.lathe.tests.align.Hand.pr
import dev.lathe.tests.align.Hand.sig
import dev.lathe.tests.align.Hand.t
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.math.exp
import kotlin.math.ln
import kotlin.math.max
import kotlin.math.pow

/** ORPO, CPO/SimPO, KTO, reward modelling and the NLL helper against hand-derived values. */
class OtherLossesSpec : FunSpec({
    val ac = List(3) { pc[it] / nc[it] }
    val ar = List(3) { pr[it] / nr[it] }

    test("ORPO example from objectives-trl.md: a_c=-0.5, a_r=-1.2 gives L_odds 1.27437, β-term 0.0246553") {
        Scope.open().use {
            val x = PairLogps.of(t(doubleArrayOf(-1.0)), t(doubleArrayOf(-2.4)), null, null)
                .withTokens(Tensors.of(longArrayOf(2)), Tensors.of(longArrayOf(2)))
                .withNll(Tensors.scalar(0.0, DType.F64))
            val r = Losses.orpo(0.1).compute(x)
            close(r.metric("log_odds_chosen"), 1.27437, "L_odds", 1e-5)
            close(r.metric("log_odds_ratio"), -0.246553, "logσ", 1e-5)
            close(r.loss().item(), 0.0246553, "loss", 1e-5)
        }
    }

    test("ORPO on b=3: NLL − β·mean logσ(L_odds), and its metrics") {
        Scope.open().use {
            val beta = 0.2
            val odds = List(3) { (ac[it] - ar[it]) - (ln(1 - exp(ac[it])) - ln(1 - exp(ar[it]))) }
            val r = Losses.orpo(beta).compute(Hand.batch().withLogitsMeans(1.0, 2.0))
            close(r.loss().item(), NLL - beta * mean(odds.map { logsig(it) }))
            r.metrics().keys.toList() shouldBe listOf("rewards/chosen", "rewards/rejected", "rewards/accuracies",
                "rewards/margins", "logps/rejected", "logps/chosen", "logits/rejected", "logits/chosen", "nll_loss",
                "log_odds_ratio", "log_odds_chosen")
            close(r.metric("rewards/chosen"), beta * mean(ac))
            close(r.metric("logps/rejected"), mean(ar))
            close(r.metric("rewards/accuracies"), List(3) { if (ac[it] > ar[it]) 1.0 else 0.0 }.average())
            close(r.metric("log_odds_chosen"), mean(odds))
        }
    }

    test("ORPO's log(1 − e^a) stays finite with a finite gradient close to a = 0") {
        Scope.open().use {
            val c = t(doubleArrayOf(-1e-6)).requiresGrad_(true)
            val x = PairLogps.of(c, t(doubleArrayOf(-3.0)), null, null)
                .withTokens(Tensors.of(longArrayOf(1)), Tensors.of(longArrayOf(1))).withNll(Tensors.scalar(0.0, DType.F64))
            val r = Losses.orpo(1.0).compute(x)
            val odds = (-1e-6 + 3.0) - (ln(-kotlin.math.expm1(-1e-6)) - ln(1 - exp(-3.0)))
            close(r.loss().item(), -logsig(odds), "loss", 1e-9)
            r.loss().backward()
            c.grad()!!.item().isFinite().shouldBeTrue()
        }
    }

    test("CPO sigmoid / hinge / ipo / simpo and the cpo_alpha NLL term") {
        Scope.open().use {
            val b = 0.1
            val zs = List(3) { pc[it] - pr[it] }
            val za = List(3) { ac[it] - ar[it] }
            fun cpo(type: String, alpha: Double = 1.0, g: Double = 0.5, e: Double = 0.0) =
                Losses.cpo().lossType(type).beta(b).cpoAlpha(alpha).simpoGamma(g).labelSmoothing(e).build()
                    .compute(Hand.batch())
            close(cpo("sigmoid").loss().item(), mean(zs.map { -logsig(b * it) }) + NLL)
            close(cpo("sigmoid", 0.0, e = 0.2).loss().item(),
                mean(zs.map { -0.8 * logsig(b * it) - 0.2 * logsig(-b * it) }))
            close(cpo("hinge", 0.0).loss().item(), mean(zs.map { max(0.0, 1 - b * it) }))
            close(cpo("ipo", 0.0).loss().item(), mean(za.map { (it - 1 / (2 * b)).pow(2) }))
            val simpo = cpo("simpo", 0.0, g = 0.3)
            close(simpo.loss().item(), mean(za.map { -logsig(b * it - 0.3) }))
            close(simpo.metric("logps/chosen"), mean(ac))
            close(simpo.metric("nll_loss"), 0.0) // TRL logs 0 when cpo_alpha = 0
            close(cpo("simpo", 2.0, g = 0.3).metric("nll_loss"), NLL)
        }
    }

    test("SimPO is reference-free and rl: simpo keeps TRL's cpo_alpha 1.0 unless set") {
        Losses.simpo().build().isReferenceFree shouldBe true
        Losses.simpo().build().cpoAlpha() shouldBe 1.0
        Losses.simpo().build().method() shouldBe "simpo"
    }

    test("KTO: KL anchor from mismatched pairs, desirable/undesirable weights, mean over all rows") {
        Scope.open().use {
            val beta = 0.5
            val pol = doubleArrayOf(-3.0, -4.0, -2.0, -6.0)
            val ref = doubleArrayOf(-3.5, -3.0, -2.5, -5.0)
            val des = booleanArrayOf(true, false, true, false)
            val pKl = doubleArrayOf(-8.0, -7.0, -9.0, -6.0)
            val rKl = doubleArrayOf(-8.5, -7.2, -8.7, -6.4)
            val z0 = max(0.0, mean(List(4) { pKl[it] - rKl[it] }))
            val rho = List(4) { pol[it] - ref[it] }
            val per = List(4) {
                if (des[it]) 1.5 * (1 - sig(beta * (rho[it] - z0))) else 0.7 * (1 - sig(beta * (z0 - rho[it])))
            }
            val r = Losses.kto().beta(beta).desirableWeight(1.5).undesirableWeight(0.7).build()
                .compute(KtoLogps.of(t(pol), t(ref), Tensors.of(des), t(pKl), t(rKl)))
            close(r.loss().item(), mean(per))
            close(r.metric("kl"), z0)
            close(r.metric("rewards/chosen_sum"), beta * (rho[0] + rho[2]))
            close(r.metric("logps/rejected_sum"), pol[1] + pol[3])
            r.metric("count/chosen") shouldBe 2.0
            r.metrics().keys.toList() shouldBe listOf("kl", "rewards/chosen_sum", "logps/chosen_sum", "count/chosen",
                "rewards/rejected_sum", "logps/rejected_sum", "count/rejected")
        }
    }

    test("KTO: the KL anchor is clamped at 0 and carries no gradient; apo_zero_unpaired needs no KL") {
        Scope.open().use {
            val pol = t(doubleArrayOf(-3.0, -4.0)).requiresGrad_(true)
            val pKl = t(doubleArrayOf(-9.0, -9.0)).requiresGrad_(true)
            val r = Losses.kto().build().compute(
                KtoLogps.of(pol, t(doubleArrayOf(-3.5, -3.0)), Tensors.of(booleanArrayOf(true, false)), pKl,
                    t(doubleArrayOf(-8.0, -8.0))))
            r.metric("kl") shouldBe 0.0
            r.loss().backward()
            (pKl.grad() == null) shouldBe true
            val apo = Losses.kto().lossType("apo_zero_unpaired").beta(0.1).build()
            val r2 = apo.compute(KtoLogps.of(t(doubleArrayOf(-3.0, -4.0)), t(doubleArrayOf(-3.5, -3.0)),
                Tensors.of(booleanArrayOf(true, false)), null, null))
            close(r2.loss().item(), mean(listOf(1 - sig(0.1 * 0.5), sig(0.1 * -1.0))))
            shouldThrow<IllegalArgumentException> {
                Losses.kto().build().compute(KtoLogps.of(t(doubleArrayOf(-3.0)), t(doubleArrayOf(-3.5)),
                    Tensors.of(booleanArrayOf(true)), null, null))
            }.message shouldContain "mismatched"
        }
    }

    test("KtoMetrics.reduce: sums over counts across the window, margins, kl averaged") {
        val w = listOf(
            mapOf("kl" to 0.2, "rewards/chosen_sum" to 1.0, "logps/chosen_sum" to -10.0, "count/chosen" to 2.0),
            mapOf("kl" to 0.4, "rewards/chosen_sum" to 0.5, "logps/chosen_sum" to -4.0, "count/chosen" to 1.0,
                "rewards/rejected_sum" to -0.6, "logps/rejected_sum" to -9.0, "count/rejected" to 3.0))
        val m = KtoMetrics.reduce(w)
        close(m["rewards/chosen"]!!, 0.5)
        close(m["logps/chosen"]!!, -14.0 / 3)
        close(m["rewards/rejected"]!!, -0.2)
        close(m["rewards/margins"]!!, 0.7)
        close(m["kl"]!!, 0.3)
        m.containsKey("logits/chosen") shouldBe false
    }

    test("reward model: Bradley–Terry with margin and centering; metrics") {
        Scope.open().use {
            val c = doubleArrayOf(1.0, -0.5, 0.3)
            val j = doubleArrayOf(0.2, 0.5, 0.3)
            val m = doubleArrayOf(0.5, 0.0, 0.1)
            val plain = Losses.rewardModel(null).compute(RewardScores.of(t(c), t(j)))
            close(plain.loss().item(), mean(List(3) { -logsig(c[it] - j[it]) }))
            val full = Losses.rewardModel(0.01).compute(RewardScores(t(c), t(j), t(m)))
            close(full.loss().item(), mean(List(3) { -logsig(c[it] - j[it] - m[it]) }) +
                0.01 * mean(List(3) { (c[it] + j[it]).pow(2) }))
            close(full.metric("accuracy"), 1.0 / 3) // the tie (0.3, 0.3) is not accurate
            close(full.metric("margin"), mean(List(3) { c[it] - j[it] }))
            close(full.metric("min_reward"), -0.5)
            close(full.metric("max_reward"), 1.0)
            close(full.metric("mean_reward"), (c.sum() + j.sum()) / 6)
        }
    }

    test("Nll.tokenMean is the masked token mean of −log p") {
        Scope.open().use {
            val lp = Tensors.of(doubleArrayOf(-1.0, -2.0, -3.0, -4.0, -5.0, -6.0), 2, 3)
            val mask = Tensors.of(longArrayOf(1, 1, 0, 0, 1, 1), 2, 3)
            close(Nll.tokenMean(lp, mask).item(), (1.0 + 2.0 + 5.0 + 6.0) / 4)
        }
    }
})
