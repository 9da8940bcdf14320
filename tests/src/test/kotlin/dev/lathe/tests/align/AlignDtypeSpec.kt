package dev.lathe.tests.align

import dev.lathe.engine.align.KtoLogps
import dev.lathe.engine.align.Losses
import dev.lathe.engine.align.PairLogps
import dev.lathe.engine.align.RewardScores
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensors
import dev.lathe.tests.align.Hand.close
import dev.lathe.tests.align.Hand.delta
import dev.lathe.tests.align.Hand.logsig
import dev.lathe.tests.align.Hand.mean
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe

/** Mixed dtypes as a bf16 model produces them: losses compute in f32 and gradients reach the bf16 leaves. */
class AlignDtypeSpec : StringSpec({
    "bf16 policy + f32 reference + int64 counts: DPO sigmoid in f32, gradient back to bf16" {
        Scope.open().use {
            val c = Hand.t(Hand.pc).to(DType.BF16).requiresGrad_(true)
            val r = Hand.t(Hand.pr).to(DType.BF16).requiresGrad_(true)
            val x = PairLogps.of(c, r, Hand.t(Hand.rc).to(DType.F32), Hand.t(Hand.rr).to(DType.F32))
                .withTokens(Tensors.of(Hand.nc), Tensors.of(Hand.nr))
            val res = Losses.dpo().beta(0.1).build().compute(x)
            res.loss().dtype() shouldBe DType.F32
            close(res.loss().item(), mean(delta.map { -logsig(0.1 * it) }), "loss", 1e-6) // inputs are exact in bf16
            res.loss().backward()
            c.grad()!!.dtype() shouldBe DType.BF16
            Losses.ipo().build().compute(x).loss().dtype() shouldBe DType.F32
        }
    }

    "bf16 inputs for ORPO, SimPO, KTO and the reward model compute in f32" {
        Scope.open().use {
            val bf = { v: DoubleArray -> Hand.t(v).to(DType.BF16) }
            val pairs = PairLogps.of(bf(Hand.pc), bf(Hand.pr), null, null)
                .withTokens(Tensors.of(Hand.nc), Tensors.of(Hand.nr)).withNll(Tensors.scalar(1.0))
            Losses.orpo(0.1).compute(pairs).loss().dtype() shouldBe DType.F32
            Losses.simpo().build().compute(pairs).loss().dtype() shouldBe DType.F32
            val kto = KtoLogps.of(bf(doubleArrayOf(-3.0, -4.0)), Hand.t(doubleArrayOf(-3.5, -3.0)),
                Tensors.of(booleanArrayOf(true, false)), bf(doubleArrayOf(-8.0, -7.0)), Hand.t(doubleArrayOf(-8.5, -7.5)))
            Losses.kto().build().compute(kto).loss().dtype() shouldBe DType.F32
            Losses.rewardModel(null).compute(RewardScores.of(bf(doubleArrayOf(1.0)), Hand.t(doubleArrayOf(0.0))))
                .loss().dtype() shouldBe DType.F32
        }
    }
})
