package dev.lathe.tests.align

import dev.lathe.engine.align.RefSync
import dev.lathe.engine.align.RunningMean
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensors
import dev.lathe.tests.align.Hand.close
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** TR-DPO reference mixing and the bco_pair running mean. */
class RefSyncSpec : StringSpec({
    "mix moves reference parameters to (1 − α)·ref + α·policy in place, casting the policy dtype" {
        Scope.open().use {
            val ref = listOf(Tensors.of(floatArrayOf(1f, 2f)), Tensors.of(floatArrayOf(0f, 0f, 4f, 4f), 2, 2))
            val pol = listOf(Tensors.of(doubleArrayOf(3.0, -2.0)), Tensors.of(floatArrayOf(1f, 1f, 1f, 1f), 2, 2))
            RefSync.mix(ref, pol, 0.6)
            ref[0].toFloatArray().map { it.toDouble() }.zip(listOf(2.2, -0.4)).forEach { (a, e) ->
                close(a, e, "mixed", 1e-6)
            }
            ref[1].toFloatArray().toList().map { it.toDouble() }.zip(listOf(0.6, 0.6, 2.2, 2.2)).forEach { (a, e) ->
                close(a, e, "mixed", 1e-6)
            }
            ref[0].dtype() shouldBe DType.F32
            ref[0].requiresGrad() shouldBe false
        }
    }

    "mix rejects mismatched parameter lists and α outside [0, 1]" {
        Scope.open().use {
            val a = listOf(Tensors.zeros(2, 3))
            shouldThrow<IllegalArgumentException> { RefSync.mix(a, listOf(Tensors.zeros(3, 2)), 0.5) }
                .message shouldContain "parameter 0"
            shouldThrow<IllegalArgumentException> { RefSync.mix(a, listOf(), 0.5) }.message shouldContain "1 parameters"
            shouldThrow<IllegalArgumentException> { RefSync.mix(a, a, 1.5) }.message shouldContain "ref_model_mixup_alpha"
        }
    }

    "due: every ref_model_sync_steps optimizer steps, never at step 0" {
        (1L..10L).filter { RefSync.due(it, 4) } shouldBe listOf(4L, 8L)
        RefSync.due(0, 4) shouldBe false
        shouldThrow<IllegalArgumentException> { RefSync.due(3, 0) }
    }

    "RunningMean follows TRL's RunningMoments: first value replaces the prior, then the arithmetic mean" {
        val r = RunningMean()
        r.update(2.0)
        close(r.mean(), 2.0, "after 1", 1e-15)
        r.update(4.0)
        r.update(9.0)
        close(r.mean(), 5.0, "after 3", 1e-12)
        close(r.`var`(), (9.0 + 1.0 + 16.0) / 3, "population variance", 1e-9)
        shouldThrow<IllegalArgumentException> { r.update(Double.NaN) }
    }
})
