package dev.lathe.tests.model

import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.Inputs
import dev.lathe.engine.model.ModelInit
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensors
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.shouldBeGreaterThan
import io.kotest.matchers.doubles.shouldBeLessThan

/** Mistral's sliding_window: a query attends to the last `window` positions, itself included. */
class SlidingWindowSpec : StringSpec({
    val seq = longArrayOf(5, 17, 3, 42, 8, 23, 11, 30)

    "one layer, window 3: each position's logits equal full attention over just its window" {
        val spec = Fixtures.tinySpec("mistral").let { it.withSlidingWindow(3) }
        val windowed = CausalLM(spec.withLayers1())
        val full = CausalLM(spec.withLayers1().withSlidingWindow(null))
        windowed.use { w -> full.use { f ->
            ModelInit.randomize(w, 11, 0.1)
            ModelInit.randomize(f, 11, 0.1)
            Scope.open().use {
                val ids = Tensors.of(seq).unsqueeze(0)
                val lw = w.logits(Inputs.of(ids)) // [1, 8, v]
                for (p in seq.indices) {
                    val from = maxOf(0, p - 2)
                    // RoPE scores depend only on the position difference, so shifting the window to start at 0 is exact up to rounding
                    val lf = f.logits(Inputs.of(ids.narrow(1, from.toLong(), (p - from + 1).toLong()))).select(1, (p - from).toLong())
                    Fixtures.maxDiff(lw.select(1, p.toLong()), lf) shouldBeLessThan 1e-4
                }
                // and the window does bite: the windowless model differs at the last position
                Fixtures.maxDiff(lw.select(1, 7), f.logits(Inputs.of(ids)).select(1, 7)) shouldBeGreaterThan 1e-3
            }
        } }
    }

    "two layers, window 3: a token 5 back cannot reach a position, one 4 back can (through layer 1)" {
        CausalLM(Fixtures.tinySpec("mistral").withSlidingWindow(3)).use { m ->
            ModelInit.randomize(m, 12, 0.1)
            Scope.open().use {
                fun lastLogits(s: LongArray) = m.logits(Inputs.of(Tensors.of(s).unsqueeze(0))).select(1, 7)
                val base = lastLogits(seq)
                // receptive field of position 7 after two layers: 7-4 .. 7
                Fixtures.maxDiff(base, lastLogits(seq.copyOf().also { it[2] = 49 })) shouldBeLessThan 1e-6
                Fixtures.maxDiff(base, lastLogits(seq.copyOf().also { it[3] = 49 })) shouldBeGreaterThan 1e-4
            }
        }
    }
})

private fun dev.lathe.engine.model.DecoderSpec.withLayers1() = dev.lathe.engine.model.DecoderBuilder.of(modelType(), vocabSize(), hiddenSize(), intermediateSize(), 1, heads(), kvHeads())
    .headDim(headDim()).maxPositions(maxPositions()).rmsEps(rmsEps()).rope(rope()).tieEmbeddings(tieEmbeddings()).qkvBias(qkvBias())
    .outputBias(outputBias()).mlpBias(mlpBias()).qkNorm(qkNorm()).labels(numLabels()).padTokenId(padTokenId()).dtype(dtype())
    .slidingWindow(slidingWindow()).build()
