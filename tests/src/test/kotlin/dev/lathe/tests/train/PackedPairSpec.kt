package dev.lathe.tests.train

import dev.lathe.engine.align.Losses
import dev.lathe.engine.align.PairLoss
import dev.lathe.engine.data.EncodedExample
import dev.lathe.engine.data.Method
import dev.lathe.engine.data.PackedBatch
import dev.lathe.engine.data.PairBatch
import dev.lathe.engine.data.PairLayout
import dev.lathe.engine.data.PreparedRow
import dev.lathe.engine.data.TextExample
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.DecoderBuilder
import dev.lathe.engine.model.Inputs
import dev.lathe.engine.model.ModelInit
import dev.lathe.engine.nn.AttentionMask
import dev.lathe.engine.nn.RopeSpec
import dev.lathe.engine.tensor.Tensors
import dev.lathe.engine.train.PhaseTimer
import dev.lathe.engine.train.methods.FusedPairStep
import dev.lathe.engine.train.methods.PairRows
import dev.lathe.engine.train.methods.PairStep
import dev.lathe.engine.train.methods.Reference
import dev.lathe.tests.model.Fixtures
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe

/**
 * Padding-free and prompt-shared pair batches ({@link PackedBatch}, span attention) give the padded path's
 * losses, metrics and parameter gradients (fp32 tolerance), for prompts of different lengths; and span
 * attention equals a dense mask built by brute force from the layout's definition.
 */
class PackedPairSpec : StringSpec({
    fun pair(i: Int, prompt: IntArray, chosen: IntArray, rejected: IntArray) =
        EncodedExample(PreparedRow(emptyMap(), "spec:$i", TextExample.pair(Method.DPO, "", "", "")), prompt, arrayOf(chosen, rejected))

    // prompts of 3, 1, 5 and 2 tokens; completions of different lengths on both sides
    val examples = listOf(
        pair(0, intArrayOf(3, 4, 5), intArrayOf(6, 7), intArrayOf(8, 9, 10, 11)),
        pair(1, intArrayOf(12), intArrayOf(13, 14, 15, 16, 17), intArrayOf(18)),
        pair(2, intArrayOf(19, 20, 21, 22, 23), intArrayOf(24, 25, 26), intArrayOf(27, 28)),
        pair(3, intArrayOf(29, 30), intArrayOf(31), intArrayOf(32, 33, 34, 35, 36, 37)))

    /** Brute force from the definition: same pair; same sequence, or the key is a prompt token of that pair; key position <= query position. */
    fun denseAllowed(shared: Boolean, window: Int?): Pair<PackedBatch, BooleanArray> {
        val p = if (shared) PackedBatch.sharedPrompt(examples) else PackedBatch.separate(examples)
        // owner (sequence id) and part (0 prompt, 1 completion) of every packed token, rebuilt from the examples
        val owner = IntArray(p.totalTokens()); val part = IntArray(p.totalTokens()); val pairOf = IntArray(p.totalTokens())
        var at = 0
        fun put(seq: Int, pr: Int, prompt: Int, completion: Int) {
            repeat(prompt) { owner[at] = seq; part[at] = 0; pairOf[at] = pr; at++ }
            repeat(completion) { owner[at] = seq; part[at] = 1; pairOf[at] = pr; at++ }
        }
        val b = examples.size
        if (shared) {
            examples.forEachIndexed { i, e -> put(i, i, e.prompt().size, e.chosen().size); put(b + i, i, 0, e.rejected().size) }
        } else {
            examples.forEachIndexed { i, e -> put(i, i, e.prompt().size, e.chosen().size) }
            examples.forEachIndexed { i, e -> put(b + i, i, e.prompt().size, e.rejected().size) }
        }
        at shouldBe p.totalTokens()
        val t = p.totalTokens()
        val allowed = BooleanArray(t * t) { ij ->
            val i = ij / t; val j = ij % t
            val pi = p.positionIds()[i]; val pj = p.positionIds()[j]
            val sameContext = if (shared) pairOf[i] == pairOf[j] && (part[j] == 0 || owner[j] == owner[i]) else owner[i] == owner[j]
            sameContext && pj <= pi && (window == null || pi - pj < window)
        }
        return p to allowed
    }

    "span attention equals a brute-force dense mask: both layouts, GQA, with and without a sliding window" {
        Fixtures.scoped {
            for (window in listOf(null, 3)) {
                val spec = DecoderBuilder.of("mistral", 50, 32, 40, 2, 4, 2).maxPositions(128).rope(RopeSpec.plain(10000.0))
                    .slidingWindow(window).padTokenId(0).build()
                CausalLM(spec).use { m ->
                    ModelInit.randomize(m, 5, 0.3)
                    for (shared in listOf(false, true)) {
                        val (p, allowed) = denseAllowed(shared, window)
                        val t = p.totalTokens().toLong()
                        val inputs = Inputs(Tensors.of(p.inputIds(), 1, t), null, Tensors.of(p.positionIds(), 1, t), null, null)
                        val dense = m.decoder().forward(inputs, AttentionMask.ofAllowed(Tensors.of(allowed, 1, t, t)), null, null)
                        val spans = m.decoder().forward(inputs, AttentionMask.ofSpans(p.positionIds(), p.spans(), window), null, null)
                        Fixtures.maxDiff(spans, dense) shouldBeLessThan 1e-5
                        (dense.abs().max().item() > 0.1) shouldBe true
                    }
                }
            }
        }
    }

    "padded, padding-free and prompt-shared pair steps: same loss, metrics and gradients (fused and plain sigmoid DPO, IPO, ORPO)" {
        Fixtures.scoped {
            CausalLM(Fixtures.tinySpec()).use { m ->
                ModelInit.randomize(m, 3, 0.2)
                val refModel = CausalLM(Fixtures.tinySpec())
                ModelInit.randomize(refModel, 4, 0.2)
                Reference.frozen(refModel).use { ref ->
                    val params = m.trainableParameters()
                    val ids = IntArray(examples.size) { it }
                    val losses: List<Triple<String, PairLoss, Boolean>> = listOf(
                        Triple("sigmoid fused", Losses.dpo().beta(0.5).labelSmoothing(0.05).build(), true),
                        Triple("sigmoid plain", Losses.dpo().beta(0.5).build(), false),
                        Triple("ipo", Losses.ipo().beta(0.3).build(), true),
                        Triple("orpo", Losses.orpo(0.2), true))
                    FusedPairStep.sigmoidOnly(losses[0].second) shouldNotBe null
                    for ((name, loss, fuse) in losses) {
                        fun run(layout: PairLayout): Triple<Double, Map<String, Double>, List<dev.lathe.engine.tensor.Tensor>> {
                            params.forEach { it.zeroGrad() }
                            val rows = PairRows(ids, PairBatch.of(examples, 0), layout.pack(examples))
                            val out = PairStep(m, loss, if (loss.isReferenceFree) null else ref, fuse).compute(rows, PhaseTimer())
                            out.loss().backward()
                            return Triple(out.loss().item(), out.metrics(), params.map { it.grad()!!.clone() })
                        }
                        val (padLoss, padMetrics, padGrads) = run(PairLayout.PADDED)
                        (padGrads.sumOf { it.abs().sum().item() } > 1e-3) shouldBe true // not a comparison between zeros
                        for (layout in listOf(PairLayout.PACKED, PairLayout.SHARED_PROMPT)) {
                            val (loss2, metrics2, grads2) = run(layout)
                            withClue("$name $layout") {
                                loss2 shouldBe (padLoss plusOrMinus 1e-5 * (1 + Math.abs(padLoss)))
                                metrics2.keys shouldBe padMetrics.keys
                                metrics2.forEach { (k, v) -> v shouldBe (padMetrics[k]!! plusOrMinus 1e-4 * (1 + Math.abs(padMetrics[k]!!))) }
                                grads2.zip(padGrads).forEach { (a, b) -> Fixtures.maxDiff(a, b) shouldBeLessThan 1e-5 * (1 + b.abs().max().item()) }
                            }
                        }
                    }
                }
            }
        }
    }

    "the layout rule: prompt sharing unless asked off or under LoRA dropout; dpo_padding_free packs" {
        PairLayout.choose(false, null, 0.0) shouldBe PairLayout.SHARED_PROMPT
        PairLayout.choose(true, null, 0.0) shouldBe PairLayout.SHARED_PROMPT
        PairLayout.choose(false, null, 0.05) shouldBe PairLayout.PADDED
        PairLayout.choose(true, null, 0.05) shouldBe PairLayout.PACKED
        PairLayout.choose(true, false, 0.0) shouldBe PairLayout.PACKED
        PairLayout.choose(false, false, 0.0) shouldBe PairLayout.PADDED
        PairLayout.choose(false, true, 0.05) shouldBe PairLayout.SHARED_PROMPT
    }
})
