package dev.lathe.tests.grpo

import dev.lathe.engine.align.EntropyMask
import dev.lathe.engine.align.GrpoInputs
import dev.lathe.engine.align.GrpoLoss
import dev.lathe.engine.align.Losses
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensor
import dev.lathe.engine.tensor.Tensors
import dev.lathe.tests.align.Hand.close
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.string.shouldContain
import kotlin.math.exp
import kotlin.math.max
import kotlin.math.min

/**
 * The GRPO loss against hand-derived values: every loss_type and normaliser, both IS levels, delta, the
 * k3 KL term, the top-entropy mask, the clip metrics, and the window invariance of the normalisers.
 * The expectations are computed token by token with plain doubles from grpo-spec §8 (no tensor code).
 */
class GrpoLossSpec : FunSpec({
    // b = 3 completions, t = 3 positions; row 2 has one real token (short), row 1 two
    val lp = arrayOf(doubleArrayOf(-1.0, -0.5, -2.0), doubleArrayOf(-0.3, -1.2, 0.0), doubleArrayOf(-0.7, 0.0, 0.0))
    val old = arrayOf(doubleArrayOf(-1.1, -0.4, -2.3), doubleArrayOf(-0.2, -1.5, 0.0), doubleArrayOf(-0.1, 0.0, 0.0))
    val ref = arrayOf(doubleArrayOf(-0.9, -0.7, -2.0), doubleArrayOf(-0.5, -1.0, 0.0), doubleArrayOf(-0.8, 0.0, 0.0))
    val ent = arrayOf(doubleArrayOf(0.5, 2.0, 1.0), doubleArrayOf(3.0, 0.1, 9.0), doubleArrayOf(1.5, 9.0, 9.0))
    val mask = arrayOf(doubleArrayOf(1.0, 1.0, 1.0), doubleArrayOf(1.0, 1.0, 0.0), doubleArrayOf(1.0, 0.0, 0.0))
    val adv = doubleArrayOf(0.8, -0.6, 1.5)

    fun t2(x: Array<DoubleArray>, rows: IntArray = intArrayOf(0, 1, 2)) =
        Tensors.of(rows.flatMap { x[it].toList() }.toDoubleArray(), rows.size.toLong(), 3)
    fun inputs(rows: IntArray = intArrayOf(0, 1, 2), win: GrpoInputs.Window, withOld: Boolean = true, leaf: Tensor? = null) =
        GrpoInputs(leaf ?: t2(lp, rows), if (withOld) t2(old, rows) else null, t2(ref, rows),
            Tensors.of(rows.map { adv[it] }.toDoubleArray()), t2(mask, rows), t2(ent, rows), win)

    /** Hand: per-token loss l_t of §8.2 (token-level ratio w = exp(lp − old)). */
    fun tokenLoss(type: String, w: Double, a: Double, l: Double, lo: Double, hi: Double, delta: Double?): Double = when (type) {
        "cispo" -> -min(w, hi) * a * l
        "sapo" -> { val tau = if (a > 0) 1.0 else 1.05; -(4 / tau) * (1 / (1 + exp(-tau * (w - 1)))) * a }
        else -> { val w1 = delta?.let { min(w, it) } ?: w; -min(w1 * a, w.coerceIn(1 - lo, 1 + hi) * a) }
    }

    fun k3(i: Int, t: Int): Double { val d = ref[i][t] - lp[i][t]; return exp(d) - d - 1 }

    /** Hand: the loss of the whole batch as ONE micro-batch of an update (GA = 1), §8.4. */
    fun expected(type: String, beta: Double = 0.0, lo: Double = 0.2, hi: Double = 0.2, delta: Double? = null,
                 seqLevel: Boolean = false, maxLen: Int = 4, keep: (Int, Int) -> Boolean = { _, _ -> true }): Double {
        val n = IntArray(3) { i -> mask[i].sum().toInt() }
        val per = Array(3) { i ->
            val seqW = exp((0 until n[i]).sumOf { lp[i][it] - old[i][it] } / max(1, n[i]))
            DoubleArray(n[i]) { t ->
                val w = if (seqLevel) seqW else exp(lp[i][t] - old[i][t])
                (if (keep(i, t)) tokenLoss(type, w, adv[i], lp[i][t], lo, hi, delta) else 0.0) + beta * k3(i, t)
            }
        }
        val tokens = n.sum().toDouble()
        return when (type) {
            "grpo", "sapo" -> per.sumOf { it.sum() / max(1, it.size) } / 3
            "bnpo" -> per.sumOf { it.sum() } / tokens
            "dr_grpo" -> per.sumOf { it.sum() } / (3.0 * maxLen)
            "dapo", "cispo" -> per.sumOf { it.sum() } / tokens
            "luspo" -> per.sumOf { it.sum() } / 3
            else -> error(type)
        }
    }

    val whole = GrpoInputs.Window(3, 6, 1)

    for (type in Losses.GRPO_LOSS_TYPES) {
        test("loss_type $type: token level, off-policy ratios, beta 0, matches the hand value") {
            Scope.open().use {
                val loss = Losses.grpo().lossType(type).maxCompletionLength(4).build()
                close(loss.compute(inputs(win = whole)).loss().item(), expected(type, maxLen = 4), type, 1e-12)
            }
        }
        test("loss_type $type: with the k3 KL term (beta 0.04) and epsilon_high 0.28") {
            Scope.open().use {
                val loss = Losses.grpo().lossType(type).beta(0.04).epsilonHigh(0.28).maxCompletionLength(4).build()
                val r = loss.compute(inputs(win = whole))
                close(r.loss().item(), expected(type, beta = 0.04, hi = 0.28, maxLen = 4), type, 1e-12)
                val kl = (0 until 3).sumOf { i -> (0 until 3).sumOf { t -> mask[i][t] * k3(i, t) } } / 6
                close(r.metric("kl"), kl, "kl", 1e-12)
            }
        }
    }

    test("a literal check of the default (dapo) value, computed by hand") {
        // w = e^0.1, e^-0.1, e^0.3 | e^-0.1, e^0.3 | e^-0.6 ; A = 0.8 | -0.6 | 1.5 ; clip [0.8, 1.2]
        // row 0: -(0.8·1.105171, 0.8·0.904837, 0.8·1.2) ; row 1: -(-0.6·0.904837), -(-0.6·1.349859)
        // row 2: w = e^-0.6 = 0.548812, clipped up to 0.8; min(0.548812·1.5, 0.8·1.5) = 0.823218 → -0.823218
        val sum = -(0.884137 + 0.723869 + 0.96) + (0.542902 + 0.809915) - 0.823217
        Scope.open().use { close(Losses.grpo().build().compute(inputs(win = whole)).loss().item(), sum / 6, "dapo", 1e-6) }
    }

    test("delta caps the unclipped ratio (INTELLECT-2); the clipped branch still uses the raw ratio") {
        Scope.open().use {
            val r = Losses.grpo().lossType("grpo").delta(1.1).build().compute(inputs(win = whole))
            close(r.loss().item(), expected("grpo", delta = 1.1), "delta", 1e-12)
        }
    }

    test("sequence level (GSPO): one ratio per sequence, the masked mean of the log-ratios") {
        Scope.open().use {
            for (type in listOf("grpo", "luspo", "dapo")) {
                val r = Losses.grpo().lossType(type).importanceSamplingLevel("sequence").build().compute(inputs(win = whole))
                close(r.loss().item(), expected(type, seqLevel = true), "sequence $type", 1e-12)
            }
        }
    }

    test("on policy (no old log-probs) the ratio is 1 and the gradient is −A·M/N per token (dapo)") {
        Scope.open().use {
            val leaf = t2(lp).requiresGrad_(true)
            val r = Losses.grpo().build().compute(inputs(win = whole, withOld = false, leaf = leaf))
            r.loss().backward()
            val g = leaf.grad()!!.toDoubleArray()
            for (i in 0 until 3) for (t in 0 until 3) close(g[i * 3 + t], -adv[i] * mask[i][t] / 6, "grad[$i,$t]", 1e-12)
            close(r.metric("clip_ratio/region_mean"), 0.0, "no clipping on policy")
        }
    }

    test("clip metrics: low = w < 1−ε with A < 0, high = w > 1+ε with A > 0, token means and per-sequence extremes") {
        Scope.open().use {
            val r = Losses.grpo().build().compute(inputs(win = whole))
            // high: row 0 token 2 (w = e^0.3 > 1.2, A > 0) -> 1 of 6 tokens; row means 1/3, 0, 0
            // low: row 1 has A < 0 but no w < 0.8; row 2 has w = e^-0.6 < 0.8 but A > 0 -> none
            close(r.metric("clip_ratio/high_mean"), 1.0 / 6, "high_mean")
            close(r.metric("clip_ratio/high_max"), 1.0 / 3, "high_max")
            close(r.metric("clip_ratio/low_mean"), 0.0, "low_mean")
            close(r.metric("clip_ratio/low_min"), 0.0, "low_min")
            close(r.metric("clip_ratio/region_mean"), 1.0 / 6, "region_mean")
            close(r.metric("entropy"), (0.5 + 2.0 + 1.0 + 3.0 + 0.1 + 1.5) / 6, "entropy")
            val c = Losses.grpo().lossType("cispo").build().compute(inputs(win = whole))
            // cispo: w > epsilon_high (0.2) and A > 0: all of row 0 and row 2 -> 4 of 6
            close(c.metric("cispo_clip_ratio"), 4.0 / 6, "cispo_clip_ratio")
        }
    }

    test("top_entropy_quantile keeps tokens at or above the (1 − rho)-quantile; the KL term is not masked") {
        // masked entropies sorted: 0.1 0.5 1.0 1.5 2.0 3.0; rho 0.5 -> quantile 0.5 at position 2.5 -> 1.25
        close(EntropyMask.threshold(doubleArrayOf(0.5, 2.0, 1.0, 3.0, 0.1, 1.5), 0.5), 1.25, "threshold")
        close(EntropyMask.threshold(doubleArrayOf(0.5, 2.0, 1.0), 0.0), 2.0, "rho 0 keeps the max")
        Scope.open().use {
            val r = Losses.grpo().lossType("grpo").beta(0.1).topEntropyQuantile(0.5).build().compute(inputs(win = whole))
            close(r.loss().item(), expected("grpo", beta = 0.1) { i, t -> ent[i][t] >= 1.25 }, "masked", 1e-12)
        }
    }

    test("window normalisers: two micro-batches of one window sum to the one-micro-batch loss (all but bnpo)") {
        Scope.open().use {
            val a = intArrayOf(2, 0)
            val b = intArrayOf(1)
            for (type in Losses.GRPO_LOSS_TYPES - "bnpo") {
                val loss = Losses.grpo().lossType(type).beta(0.04).maxCompletionLength(4).build()
                val win = GrpoInputs.Window(3, 6, 2)
                val split = loss.compute(inputs(a, win)).loss().item() + loss.compute(inputs(b, win)).loss().item()
                close(split, loss.compute(inputs(win = whole)).loss().item(), "split $type", 1e-12)
            }
            // bnpo is TRL's per-micro-batch token mean divided by the number of micro-batches
            val bnpo = Losses.grpo().lossType("bnpo").build()
            val win = GrpoInputs.Window(3, 6, 2)
            val sa = bnpo.compute(inputs(a, win)).loss().item()
            close(sa, (expectedRows("bnpo", a)) / 2, "bnpo micro-batch", 1e-12)
        }
    }

    test("GDPO vs GRPO where they differ (grpo-spec §12): [1,1],[1,1],[1,0],[0,0], weights [1,1], G = 4") {
        val r = arrayOf(doubleArrayOf(1.0, 1.0), doubleArrayOf(1.0, 1.0), doubleArrayOf(1.0, 0.0), doubleArrayOf(0.0, 0.0))
        val grpo = Losses.grpoAdvantages(4, "group", "sum_then_normalize", listOf("f", "c"), null).compute(r).advantages()
        val gdpo = Losses.grpoAdvantages(4, "group", "normalize_then_sum", listOf("f", "c"), null).compute(r).advantages()
        listOf(0.7833, 0.7833, -0.2611, -1.3054).forEachIndexed { i, e -> close(grpo[i], e, "GRPO A$i", 1e-4) }
        listOf(0.7691, 0.7691, -0.2061, -1.3320).forEachIndexed { i, e -> close(gdpo[i], e, "GDPO A$i", 1e-4) }
    }

    test("single reward: GDPO = GRPO x one batch constant (4 groups of 4, two constant -> x1.5811)") {
        val v = listOf(1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0)
        val r = Array(16) { doubleArrayOf(v[it]) }
        val grpo = Losses.grpoAdvantages(4, "group", "sum_then_normalize", listOf("r"), null).compute(r).advantages()
        val gdpo = Losses.grpoAdvantages(4, "group", "normalize_then_sum", listOf("r"), null).compute(r).advantages()
        for (j in 0 until 8) close(gdpo[j] / grpo[j], 1.5811, "ratio $j", 1e-3)
        for (j in 8 until 16) { close(grpo[j], 0.0, "GRPO constant group"); close(gdpo[j], 0.0, "GDPO constant group") }
    }

    test("bad GRPO loss settings name the key") {
        shouldThrow<IllegalArgumentException> { Losses.grpo().lossType("dapoo").build() }.message shouldContain "did you mean 'dapo'"
        shouldThrow<IllegalArgumentException> { Losses.grpo().lossType("vespo").build() }.message shouldContain "not implemented"
        shouldThrow<IllegalArgumentException> { Losses.grpo().importanceSamplingLevel("seq").build() }.message shouldContain "importance_sampling_level"
        shouldThrow<IllegalArgumentException> { Losses.grpo().topEntropyQuantile(1.5).build() }.message shouldContain "top_entropy_quantile"
        shouldThrow<IllegalArgumentException> { Losses.grpo().epsilon(-0.1).build() }.message shouldContain "epsilon"
        Losses.grpo().lossType("luspo").advice().single() shouldContain "sequence"
    }
}) {
    companion object {
        /** bnpo of a row subset as its own micro-batch: token sum / that micro-batch's tokens. */
        fun expectedRows(type: String, rows: IntArray): Double {
            require(type == "bnpo")
            val lp = arrayOf(doubleArrayOf(-1.0, -0.5, -2.0), doubleArrayOf(-0.3, -1.2, 0.0), doubleArrayOf(-0.7, 0.0, 0.0))
            val old = arrayOf(doubleArrayOf(-1.1, -0.4, -2.3), doubleArrayOf(-0.2, -1.5, 0.0), doubleArrayOf(-0.1, 0.0, 0.0))
            val n = intArrayOf(3, 2, 1)
            val adv = doubleArrayOf(0.8, -0.6, 1.5)
            var s = 0.0
            var tok = 0
            for (i in rows) for (t in 0 until n[i]) {
                val w = exp(lp[i][t] - old[i][t])
                s += -min(w * adv[i], w.coerceIn(0.8, 1.2) * adv[i]); tok++
            }
            return s / tok
        }
    }
}
