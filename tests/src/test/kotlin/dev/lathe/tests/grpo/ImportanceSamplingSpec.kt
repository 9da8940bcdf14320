package dev.lathe.tests.grpo

import dev.lathe.engine.align.GrpoInputs
import dev.lathe.engine.align.ImportanceSampling
import dev.lathe.engine.align.ImportanceSampling.Mode
import dev.lathe.engine.align.Losses
import dev.lathe.engine.align.OffPolicyMask
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensors
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.math.exp

/**
 * The importance-sampling correction (grpo-spec §9.1) and off-policy sequence masking (§10) against values
 * worked out by hand. Two completions, three positions; row 1's last position is padding.
 *   d = (old - sampler) * M = [[0.2, -1.0, 0.0], [-1.1, 0.1, (pad)]]
 *   token ratios exp(d) = 1.2214, 0.3679, 1 | 0.3329, 1.1052 (bounds used below: [0.35, 1.2]);  sequence ratios exp(sum d) = exp(-0.8) = 0.4493, exp(-1.0) = 0.3679
 */
class ImportanceSamplingSpec : FunSpec({
    val old = doubleArrayOf(-1.0, -2.0, -0.5, -1.5, -0.2, 0.0)
    val sampler = doubleArrayOf(-1.2, -1.0, -0.5, -0.4, -0.3, -9.0)
    val mask = doubleArrayOf(1.0, 1.0, 1.0, 1.0, 1.0, 0.0)
    fun t(v: DoubleArray) = Tensors.of(v, 2, 3)
    fun weights(mode: Mode, min: Double?, max: Double?): Pair<DoubleArray, Map<String, Double>> = Scope.open().use {
        val r = ImportanceSampling(mode, min, max).compute(t(old), t(sampler), t(mask))
        r.weights().toDoubleArray() to r.metrics()
    }
    fun DoubleArray.shouldMatch(vararg want: Double) {
        size shouldBe want.size
        for (i in want.indices) this[i] shouldBe (want[i] plusOrMinus 1e-6)
    }

    test("token_truncate clamps each token's ratio into [min, cap]") {
        val (w, m) = weights(Mode.TOKEN_TRUNCATE, 0.35, 1.2)
        w.shouldMatch(1.2, exp(-1.0), 1.0, 0.35, exp(0.1), 1.0) // the pad's ratio is exp(0) and masked out of the loss
        m["sampling/importance_sampling_ratio/truncated_frac"]!! shouldBe (2.0 / 5 plusOrMinus 1e-12)
        m["sampling/importance_sampling_ratio/masked_frac"]!! shouldBe 0.0
        m["sampling/raw_importance_sampling_ratio/max"]!! shouldBe (exp(0.2) plusOrMinus 1e-6)
        m["sampling/raw_importance_sampling_ratio/min"]!! shouldBe (exp(-1.1) plusOrMinus 1e-6)
        m["sampling/raw_importance_sampling_ratio/mean"]!! shouldBe ((exp(0.2) + exp(-1.0) + 1 + exp(-1.1) + exp(0.1)) / 5 plusOrMinus 1e-6)
        m["sampling/importance_sampling_ratio/max"]!! shouldBe (1.2 plusOrMinus 1e-6)
        m["sampling/importance_sampling_ratio/min"]!! shouldBe (0.35 plusOrMinus 1e-6)
        m["sampling/importance_sampling_ratio/mean"]!! shouldBe ((1.2 + exp(-1.0) + 1 + 0.35 + exp(0.1)) / 5 plusOrMinus 1e-6)
        m["sampling/sampling_logp_difference/mean"]!! shouldBe (0.48 plusOrMinus 1e-6)
        m["sampling/sampling_logp_difference/max"]!! shouldBe (1.1 plusOrMinus 1e-6)
    }

    test("token_mask zeroes tokens outside [min, cap] and leaves the rest unchanged") {
        val (w, m) = weights(Mode.TOKEN_MASK, 0.35, 1.2)
        w.shouldMatch(0.0, exp(-1.0), 1.0, 0.0, exp(0.1), 1.0)
        m["sampling/importance_sampling_ratio/masked_frac"]!! shouldBe (2.0 / 5 plusOrMinus 1e-12)
        m["sampling/importance_sampling_ratio/truncated_frac"]!! shouldBe 0.0
    }

    test("a mask mode masks: an over-cap token weighs 0, not 1/cap (Axolotl's async path re-raises it, grpo-spec §9.2)") {
        val (w, _) = weights(Mode.TOKEN_MASK, null, 1.2)
        w[0] shouldBe 0.0
        w[1] shouldBe (exp(-1.0) plusOrMinus 1e-6) // no implicit floor of 1/cap either
        w[3] shouldBe (exp(-1.1) plusOrMinus 1e-6)
    }

    test("sequence modes use exp of the SUM of the token differences, one weight per row") {
        val (t, tm) = weights(Mode.SEQUENCE_TRUNCATE, 0.4, 1.2)
        t.shouldMatch(exp(-0.8), 0.4)
        tm["sampling/importance_sampling_ratio/truncated_frac"]!! shouldBe (0.5 plusOrMinus 1e-12)
        tm["sampling/raw_importance_sampling_ratio/min"]!! shouldBe (exp(-1.0) plusOrMinus 1e-6)
        val (k, km) = weights(Mode.SEQUENCE_MASK, 0.4, 1.2)
        k.shouldMatch(exp(-0.8), 0.0)
        km["sampling/importance_sampling_ratio/masked_frac"]!! shouldBe (0.5 plusOrMinus 1e-12)
        weights(Mode.SEQUENCE_MASK, null, 0.44).first.shouldMatch(0.0, exp(-1.0))
    }

    test("bounds and modes are checked with the key's name") {
        shouldThrow<IllegalArgumentException> { ImportanceSampling(Mode.TOKEN_TRUNCATE, null, null) }.message shouldContain "needs at least one bound"
        shouldThrow<IllegalArgumentException> { ImportanceSampling(Mode.TOKEN_MASK, 2.0, 1.5) }.message shouldContain "vllm_importance_sampling_clip_min"
        shouldThrow<IllegalArgumentException> { ImportanceSampling(Mode.TOKEN_MASK, null, -1.0) }.message shouldContain "vllm_importance_sampling_cap"
        shouldThrow<IllegalArgumentException> { ImportanceSampling.mode("token_trunc") }.message shouldContain "did you mean 'token_truncate'"
    }

    test("the loss weighs each token by its corrected ratio (dapo, ratio 1 to the proximal policy)") {
        Scope.open().use {
            val adv = Tensors.of(doubleArrayOf(1.0, -2.0))
            val win = GrpoInputs.Window.single(2, 5)
            val loss = Losses.grpo().importanceSampling(ImportanceSampling(Mode.TOKEN_TRUNCATE, 0.35, 1.2)).build()
            val r = loss.compute(GrpoInputs(t(old), t(old), null, adv, t(mask), null, win, t(sampler)))
            // l_t = -A rho_t: row 0 -(1.2 + e^-1 + 1), row 1 +2 (0.35 + e^0.1); dapo divides by the window's 5 tokens
            r.loss().item() shouldBe ((-(1.2 + exp(-1.0) + 1.0) + 2 * (0.35 + exp(0.1))) / 5 plusOrMinus 1e-6)
            r.metrics()["sampling/importance_sampling_ratio/truncated_frac"]!! shouldBe (0.4 plusOrMinus 1e-12)
            val plain = Losses.grpo().build().compute(GrpoInputs(t(old), t(old), null, adv, t(mask), null, win, t(sampler)))
            plain.loss().item() shouldBe ((-3.0 + 2 * 2) / 5 plusOrMinus 1e-6) // no correction configured: sampler log-probs unused
        }
    }

    test("off-policy masking drops rows with A < 0 whose mean behaviour-minus-current log-ratio exceeds delta") {
        Scope.open().use {
            // kl_0 = (0.2... ) = ((-1.2+1.0) + (-1.0+2.0) + 0) / 3 = 0.2667; kl_1 = ((-0.4+1.5) + (-0.3+0.2)) / 2 = 0.5
            val keep = { a: DoubleArray, delta: Double -> OffPolicyMask.keep(t(sampler), t(old), t(mask), Tensors.of(a), delta) }
            keep(doubleArrayOf(1.0, -2.0), 0.4).let { it.keep().toDoubleArray().shouldMatch(1.0, 0.0); it.maskedFraction() shouldBe 0.5 }
            keep(doubleArrayOf(1.0, -2.0), 0.6).keep().toDoubleArray().shouldMatch(1.0, 1.0)
            keep(doubleArrayOf(-1.0, -2.0), 0.3).keep().toDoubleArray().shouldMatch(1.0, 0.0)
            keep(doubleArrayOf(-1.0, -2.0), 0.25).keep().toDoubleArray().shouldMatch(0.0, 0.0)
            keep(doubleArrayOf(0.0, 0.0), -5.0).keep().toDoubleArray().shouldMatch(1.0, 1.0) // A >= 0 is always kept
            val adv = Tensors.of(doubleArrayOf(1.0, -2.0))
            val r = Losses.grpo().offPolicyMaskThreshold(0.4).build()
                .compute(GrpoInputs(t(old), t(old), null, adv, t(mask), null, GrpoInputs.Window.single(2, 5), t(sampler)))
            r.loss().item() shouldBe (-3.0 / 5 plusOrMinus 1e-6) // row 1 dropped
            r.metrics()["off_policy_mask/masked_frac"]!! shouldBe 0.5
        }
    }
})
