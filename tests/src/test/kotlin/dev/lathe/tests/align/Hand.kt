package dev.lathe.tests.align

import dev.lathe.engine.align.PairLogps
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Tensor
import dev.lathe.engine.tensor.Tensors
import kotlin.math.exp
import kotlin.math.ln

/** Plain-double helpers for hand-derived expectations (no tensor code involved). */
object Hand {
    fun sig(x: Double) = 1.0 / (1.0 + exp(-x))
    fun logsig(x: Double) = if (x >= 0) -ln(1.0 + exp(-x)) else x - ln(1.0 + exp(x))
    fun mean(xs: List<Double>) = xs.sum() / xs.size

    // b = 3 pairs; Δ = (pc − pr) − (rc − rr) = [1.0, −0.5, 1.5] (positive and negative margins)
    val pc = doubleArrayOf(-5.0, -7.0, -4.0)
    val pr = doubleArrayOf(-6.0, -6.5, -9.0)
    val rc = doubleArrayOf(-5.5, -6.0, -4.5)
    val rr = doubleArrayOf(-5.5, -6.0, -8.0)
    val nc = longArrayOf(2, 3, 4)
    val nr = longArrayOf(3, 2, 5)
    const val NLL = 1.7

    val delta = List(3) { (pc[it] - pr[it]) - (rc[it] - rr[it]) }
    val rhoC = List(3) { pc[it] - rc[it] }
    val rhoR = List(3) { pr[it] - rr[it] }

    fun t(v: DoubleArray): Tensor = Tensors.of(v)

    fun batch(): PairLogps = PairLogps.of(t(pc), t(pr), t(rc), t(rr))
        .withTokens(Tensors.of(nc), Tensors.of(nr))
        .withNll(Tensors.scalar(NLL, DType.F64))

    fun close(actual: Double, expected: Double, what: String = "value", tol: Double = 1e-9) {
        if (kotlin.math.abs(actual - expected) > tol * maxOf(1.0, kotlin.math.abs(expected))) {
            throw AssertionError("$what: expected $expected, got $actual")
        }
    }
}
