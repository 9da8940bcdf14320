package dev.lathe.tests.align

import dev.lathe.engine.align.PairLogps
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensors
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe

/** PairLogps.fromConcatenated: sums and counts of a [2b, t] concatenated forward, by hand. */
class PairLogpsSpec : StringSpec({
    "chosen rows first, rejected rows second; masked tokens excluded; reference split the same way" {
        Scope.open().use {
            val lp = Tensors.of(doubleArrayOf(
                -1.0, -2.0, -3.0, // chosen 0: tokens 1..2 are completion
                -0.5, -0.5, -9.0, // chosen 1: tokens 0..1
                -4.0, -1.0, -1.0, // rejected 0: token 2
                -2.0, -2.0, -2.0), 4, 3) // rejected 1: all three
            val mask = Tensors.of(longArrayOf(0, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1), 4, 3)
            val x = PairLogps.fromConcatenated(lp, mask, Hand.t(doubleArrayOf(-4.0, -1.5, -2.0, -5.0)))
            x.policyChosen().toDoubleArray().toList() shouldBe listOf(-5.0, -1.0)
            x.policyRejected().toDoubleArray().toList() shouldBe listOf(-1.0, -6.0)
            x.chosenTokens().toLongArray().toList() shouldBe listOf(2L, 2L)
            x.rejectedTokens().toLongArray().toList() shouldBe listOf(1L, 3L)
            x.refRejected().toDoubleArray().toList() shouldBe listOf(-2.0, -5.0)
        }
    }
})
