package dev.lathe.tests.grpo

import dev.lathe.engine.align.GrpoInputs
import dev.lathe.engine.align.Losses
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.train.NamedParams
import dev.lathe.engine.train.PhaseTimer
import dev.lathe.engine.train.grpo.GrpoBatch
import dev.lathe.engine.train.grpo.GrpoStep
import dev.lathe.engine.train.grpo.RolloutRow
import dev.lathe.tests.train.MethodFixtures
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.shouldBeLessThan
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.util.SplittableRandom

/**
 * grpo-spec §17.1: for fixed rollouts, the accumulated gradient of an update does not depend on how the
 * window is cut into micro-batches nor on row order (every loss type but bnpo, whose TRL definition is
 * per micro-batch). Rollouts are off-policy (old log-probs given), with a reference, truncated rows
 * masked, and completions of different lengths, so every normaliser term is exercised.
 */
class GrpoInvarianceSpec : FunSpec({
    val prompts = GrpoFixtures.prompts(4, 3)
    val r = SplittableRandom(17)
    val rows = List(8) { i ->
        val n = 1 + r.nextInt(4)
        RolloutRow(i / 2, IntArray(n) { 3 + r.nextInt(MethodFixtures.VOCAB - 3) }, i == 5, r.nextDouble() * 2 - 1,
            FloatArray(n) { -2.5f + r.nextDouble().toFloat() }, FloatArray(n) { -3f + r.nextDouble().toFloat() })
    }
    val tokens = GrpoBatch.lossTokens(rows, true)

    fun gradient(type: String, cut: List<List<RolloutRow>>): Map<String, DoubleArray> = MethodFixtures.tinyLm(21).use { m ->
        val step = GrpoStep(m, Losses.grpo().lossType(type).beta(0.05).maxCompletionLength(4).build(), 0.7, PrintStream(ByteArrayOutputStream()))
        val win = GrpoInputs.Window(rows.size, tokens, cut.size)
        for (part in cut) Scope.open().use { step.compute(GrpoBatch.of(part, prompts, 0, true, win, null, true), PhaseTimer()).loss().backward() }
        NamedParams.trainable(m).mapValues { (_, p) -> p.grad()!!.toDoubleArray() }
    }

    fun maxDiff(a: Map<String, DoubleArray>, b: Map<String, DoubleArray>): Double =
        a.keys.maxOf { k -> a[k]!!.indices.maxOf { i -> kotlin.math.abs(a[k]!![i] - b[k]!![i]) } / (1e-6 + a[k]!!.maxOf { kotlin.math.abs(it) }) }

    test("on policy the training side's log-probs equal the sampler's (temperature 0.7): the ratio is exactly 1") {
        MethodFixtures.tinyLm(21).use { m ->
            Scope.open().use {
                val sampling = dev.lathe.engine.generate.Sampling(5, true, 0.7, 0, 1.0, 0.0, 1.0, 3, 11L, setOf(GrpoFixtures.EOS), listOf(), true)
                val out = dev.lathe.engine.generate.Generator(m, null, 0).generate(prompts.map { it.ids() }, sampling)
                val rolled = out.map { RolloutRow(it.prompt(), it.tokens(), it.finishReason() == "length", 0.0, null, null) }
                val b = GrpoBatch.of(rolled, prompts, 0, false, GrpoInputs.Window.single(rolled.size, 0), null, false)
                val train = dev.lathe.engine.tensor.Grad.disabled().use { dev.lathe.engine.train.grpo.TokenLogps.of(m, b, 0.7) }
                val c = train.size(1).toInt()
                val flat = train.toFloatArray()
                var worst = 0.0
                out.forEachIndexed { i, comp -> comp.logprobs().forEachIndexed { t, lp -> worst = maxOf(worst, kotlin.math.abs(lp - flat[i * c + t]).toDouble()) } }
                worst shouldBeLessThan 1e-4
            }
        }
    }

    for (type in Losses.GRPO_LOSS_TYPES - "bnpo") {
        test("$type: 1 x 8 rows == 4 x 2 rows == 8 x 1 rows, and reversed order") {
            val whole = gradient(type, listOf(rows))
            maxDiff(whole, gradient(type, rows.chunked(2))) shouldBeLessThan 1e-4
            maxDiff(whole, gradient(type, rows.chunked(1))) shouldBeLessThan 1e-4
            maxDiff(whole, gradient(type, rows.reversed().chunked(4))) shouldBeLessThan 1e-4
        }
    }
})
