package dev.lathe.tests.train

import dev.lathe.engine.model.DecoderBuilder
import dev.lathe.engine.data.EncodedExample
import dev.lathe.engine.data.Method
import dev.lathe.engine.data.PreparedRow
import dev.lathe.engine.data.TextExample
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.DecoderSpec
import dev.lathe.engine.model.ModelInit
import java.util.SplittableRandom

/** Tiny Llama models and token-level synthetic preference data for trainer specs (no tokenizer needed). */
object MethodFixtures {
    const val VOCAB = 32
    const val GOOD = 1
    const val BAD = 2

    fun spec(labels: Int = 0): DecoderSpec =
        DecoderBuilder.llama(VOCAB, 32, 64, 2, 4, 2).maxPositions(64).labels(labels).padTokenId(0).build()

    fun tinyLm(seed: Long): CausalLM = CausalLM(spec()).also { ModelInit.randomize(it, seed, 0.1) }

    private fun row(origin: String) = PreparedRow(emptyMap(), origin, TextExample.pair(Method.DPO, "", "", ""))

    /**
     * A learnable preference: prompt = 4 tokens, the first from a small set (3..10), the rest random;
     * chosen and rejected share a random tail and differ in their first token: GOOD when the prompt's
     * first token is even, BAD when odd (the other way round for rejected). Held-out pairs have unseen
     * prompts and tails, so only the rule carries over.
     */
    fun parityPairs(n: Int, seed: Long): List<EncodedExample> {
        val r = SplittableRandom(seed)
        return List(n) { i ->
            val prompt = IntArray(4) { k -> if (k == 0) 3 + r.nextInt(8) else 3 + r.nextInt(VOCAB - 3) }
            val tail = IntArray(2) { 3 + r.nextInt(VOCAB - 3) }
            val even = prompt[0] % 2 == 0
            val chosen = intArrayOf(if (even) GOOD else BAD, *tail)
            val rejected = intArrayOf(if (even) BAD else GOOD, *tail)
            EncodedExample(row("synthetic:$i"), prompt, arrayOf(chosen, rejected))
        }
    }

    /** Unpaired KTO rows from the same rule: each pair becomes a desirable and an undesirable row. */
    fun parityKto(n: Int, seed: Long): List<EncodedExample> = parityPairs(n / 2, seed).flatMapIndexed { i, e ->
        listOf(true to e.chosen(), false to e.rejected()).map { (label, c) ->
            EncodedExample(PreparedRow(emptyMap(), "kto:$i", TextExample.kto("", "", label)), e.prompt(), arrayOf(c))
        }
    }
}
