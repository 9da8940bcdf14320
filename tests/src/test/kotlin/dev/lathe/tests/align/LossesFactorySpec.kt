package dev.lathe.tests.align

import dev.lathe.engine.align.CpoLoss
import dev.lathe.engine.align.DpoLoss
import dev.lathe.engine.align.DpoTerm
import dev.lathe.engine.align.KtoLoss
import dev.lathe.engine.align.Losses
import dev.lathe.engine.align.OrpoLoss
import dev.lathe.engine.align.PairLoss
import dev.lathe.engine.align.RewardLoss
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf

/** Config values -> loss objects: defaults, mapping, and the errors for bad values. */
class LossesFactorySpec : StringSpec({
    fun err(block: () -> Unit): String = shouldThrow<IllegalArgumentException> { block() }.message!!

    "defaults are TRL's: sigmoid, beta 0.1, no smoothing, reference model used" {
        val l = Losses.dpo().build()
        l.lossTypes() shouldBe listOf("sigmoid")
        l.beta() shouldBe 0.1
        l.isReferenceFree shouldBe false
        l.terms()[0].term() shouldBe DpoTerm.Sigmoid(0.0)
        Losses.kto().build() shouldBe KtoLoss(KtoLoss.Type.KTO, 0.1, 1.0, 1.0)
        Losses.cpo().build() shouldBe CpoLoss(CpoLoss.Type.SIGMOID, 0.1, 0.0, 0.5, 1.0, 0.0)
    }

    "each loss_type string maps to its own term class" {
        for (name in Losses.DPO_LOSS_TYPES) {
            val term = Losses.dpo().lossType(name).build().terms()[0].term()
            term.typeName() shouldBe name
        }
        Losses.dpo().lossType("aot_unpaired").build().terms()[0].term().shouldBeInstanceOf<DpoTerm.AotPair>()
        Losses.ipo().build().terms()[0].term().shouldBeInstanceOf<DpoTerm.Ipo>()
    }

    "unknown loss_type names the closest and lists the valid ones" {
        val m = err { Losses.dpo().lossType("sigmod").build() }
        m shouldContain "loss_type: unknown value 'sigmod'"
        m shouldContain "did you mean 'sigmoid'"
        m shouldContain "exo_pair"
        err { Losses.kto().lossType("dpo").build() } shouldContain "valid: kto, apo_zero_unpaired"
        err { Losses.cpo().lossType("orpo").build() } shouldContain "valid: sigmoid, hinge, ipo, simpo"
    }

    "label_smoothing must be in [0, 0.5)" {
        err { Losses.dpo().labelSmoothing(0.5).build() } shouldContain "label_smoothing: expected a value in [0, 0.5), got 0.5"
        err { Losses.dpo().labelSmoothing(-0.1).build() } shouldContain "label_smoothing"
        err { Losses.cpo().labelSmoothing(0.7).build() } shouldContain "label_smoothing"
    }

    "exo_pair with label_smoothing 0 uses 1e-3 (TRL LEGACY)" {
        Losses.dpo().lossType("exo_pair").build().terms()[0].term() shouldBe DpoTerm.ExoPair(1e-3)
        Losses.dpo().lossType("exo_pair").labelSmoothing(0.2).build().terms()[0].term() shouldBe DpoTerm.ExoPair(0.2)
    }

    "loss_weights must match loss_type and be finite" {
        err { Losses.dpo().lossType(listOf("sigmoid", "sft")).lossWeights(listOf(1.0)).build() } shouldContain
            "loss_weights: expected 2 weights"
        err { Losses.dpo().lossType(listOf("sigmoid")).lossWeights(listOf(Double.NaN)).build() } shouldContain "loss_weights[0]"
        err { Losses.dpo().lossType(listOf<String>()) } shouldContain "loss_type"
    }

    "beta, rpo_alpha, discopop_tau, weights and coefficients are range-checked" {
        err { Losses.dpo().beta(0.0).build() } shouldContain "rl_beta (beta): expected a number > 0, got 0.0"
        err { Losses.dpo().rpoAlpha(-1.0).build() } shouldContain "rpo_alpha"
        err { Losses.dpo().discopopTau(0.0).build() } shouldContain "discopop_tau"
        err { Losses.kto().undesirableWeight(0.0).build() } shouldContain "kto_undesirable_weight"
        err { Losses.cpo().cpoAlpha(-0.5).build() } shouldContain "cpo_alpha"
        err { Losses.orpo(-1.0) } shouldContain "orpo_alpha"
        err { Losses.rewardModel(-0.01) } shouldContain "center_rewards_coefficient"
        err { Losses.dpo().fDivergenceType("js").build() } shouldContain
            "f_divergence_type: unknown value 'js' for rl: dpo; valid: reverse_kl, js_divergence, alpha_divergence"
        err { Losses.dpo().fDivergenceType("alpha_divergence").fAlphaDivergenceCoef(0.0).build() } shouldContain
            "f_alpha_divergence_coef"
    }

    "what each loss needs: reference, token counts, NLL" {
        val dpo: PairLoss = Losses.dpo().build()
        dpo.needsTokenCounts() shouldBe false
        dpo.needsNll() shouldBe false
        Losses.dpo().rpoAlpha(0.5).build().needsNll() shouldBe true
        Losses.ipo().build().needsTokenCounts() shouldBe true
        Losses.orpo(0.1).isReferenceFree shouldBe true
        Losses.cpo().cpoAlpha(0.0).build().needsNll() shouldBe false
        Losses.kto().build().needsKl() shouldBe true
        Losses.kto().lossType("apo_zero_unpaired").build().needsKl() shouldBe false
        Losses.rewardModel(null).shouldBeInstanceOf<RewardLoss>()
        Losses.orpo(0.1).shouldBeInstanceOf<OrpoLoss>()
        Losses.dpo().build().shouldBeInstanceOf<DpoLoss>()
    }
})
