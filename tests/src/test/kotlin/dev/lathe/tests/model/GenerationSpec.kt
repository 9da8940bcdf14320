package dev.lathe.tests.model

import dev.lathe.engine.generate.Generator
import dev.lathe.engine.generate.LogitsProcessor
import dev.lathe.engine.generate.Sampling
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.ModelInit
import dev.lathe.engine.tensor.Tensors
import dev.lathe.engine.text.Tokenizer
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import kotlin.math.abs

/** One character per id ('a' + id), enough for stop strings and text. */
private class CharTokenizer : Tokenizer {
    override fun encode(text: String, addSpecialTokens: Boolean) = text.map { it - 'a' }.toIntArray()
    override fun decode(ids: IntArray, skipSpecialTokens: Boolean) = ids.joinToString("") { ('a' + it).toString() }
    override fun tokenToId(token: String) = if (token.length == 1) token[0] - 'a' else -1
    override fun vocabSize() = 50
    override fun bosToken(): String? = null
    override fun eosToken(): String? = null
    override fun padToken(): String? = null
    override fun addBosToken() = false
    override fun specialTokens() = listOf<String>()
    override fun chatTemplate(): String? = null
}

class GenerationSpec : StringSpec({
    val prompts = listOf(intArrayOf(5, 9, 2, 17), intArrayOf(33), intArrayOf(8, 8, 41))
    fun model() = CausalLM(Fixtures.tinySpec()).also { ModelInit.randomize(it, 11, 0.3) }

    "greedy with KV cache == without cache, batched with left padding == one prompt at a time" {
        Fixtures.scoped {
            model().use { m ->
                val gen = Generator(m, null, 0)
                val s = Sampling.greedy(12, setOf())
                val cached = gen.generate(prompts, s)
                val full = gen.generate(prompts, s.withCache(false))
                cached shouldHaveSize 3
                for (i in prompts.indices) {
                    cached[i].tokens().toList() shouldBe full[i].tokens().toList()
                    cached[i].tokens().size shouldBe 12
                    cached[i].finishReason() shouldBe "length"
                    for (j in 0 until 12) cached[i].logprobs()[j].toDouble() shouldBe (full[i].logprobs()[j].toDouble() plusOrMinus 1e-4)
                    val alone = gen.generate(listOf(prompts[i]), s)[0]
                    alone.tokens().toList() shouldBe cached[i].tokens().toList()
                }
            }
        }
    }

    "sampling: n samples per prompt share the prefill, a seed reproduces them, EOS and stop strings end a row" {
        Fixtures.scoped {
            model().use { m ->
                val gen = Generator(m, CharTokenizer(), 0)
                val s = Sampling.greedy(10, setOf()).withSamples(3).withSampling(1.5, 20, 0.95, 0.01, 42)
                val a = gen.generate(prompts, s)
                a shouldHaveSize 9
                a.map { it.prompt() } shouldBe listOf(0, 0, 0, 1, 1, 1, 2, 2, 2)
                gen.generate(prompts, s).map { it.tokens().toList() } shouldBe a.map { it.tokens().toList() }
                a.map { it.tokens().toList() }.toSet().size shouldNotBe 1 // samples differ
                a.all { c -> c.logprobs().all { it <= 0f } } shouldBe true

                val greedy = gen.generate(listOf(prompts[0]), Sampling.greedy(10, setOf()))[0]
                val eos = greedy.tokens()[3]
                val first = greedy.tokens().indexOfFirst { it == eos }
                val stopped = gen.generate(listOf(prompts[0]), Sampling.greedy(10, setOf(eos)))[0]
                stopped.finishReason() shouldBe "eos"
                stopped.tokens().toList() shouldBe greedy.tokens().take(first + 1)
                stopped.text() shouldBe greedy.text()!!.take(first)

                val stop = greedy.text()!!.substring(4, 6)
                val cut = gen.generate(listOf(prompts[0]), Sampling.greedy(10, setOf()).withStopStrings(listOf(stop)))[0]
                cut.finishReason() shouldBe "stop"
                cut.text() shouldBe greedy.text()!!.substring(0, greedy.text()!!.indexOf(stop))
            }
        }
    }

    "logits processors follow HF's definitions" {
        Fixtures.scoped {
            val logits = Tensors.of(floatArrayOf(2f, -1f, 0.5f, 1f), 1, 4)
            val hist = Tensors.of(longArrayOf(0, 1), 1, 2)
            val base = Sampling.greedy(1, setOf())
            LogitsProcessor.apply(logits, hist, base.withRepetitionPenalty(2.0)).toFloatArray().toList() shouldBe listOf(1f, -2f, 0.5f, 1f)
            fun kept(s: Sampling) = LogitsProcessor.apply(logits, hist, s).toFloatArray().map { it.isFinite() }
            kept(base.withSampling(1.0, 2, 1.0, 0.0, 1)) shouldBe listOf(true, false, false, true)
            // probs of [2, -1, 0.5, 1] = [.5859, .0292, .1307, .2155]: top-p 0.7 keeps the two most likely
            kept(base.withSampling(1.0, 0, 0.7, 0.0, 1)) shouldBe listOf(true, false, false, true)
            kept(base.withSampling(1.0, 0, 0.8, 0.0, 1)) shouldBe listOf(true, false, false, true) // .5859 + .2155 >= .8
            kept(base.withSampling(1.0, 0, 0.85, 0.0, 1)) shouldBe listOf(true, false, true, true)
            // min-p 0.3: keep p >= 0.3 * 0.5859 = 0.176
            kept(base.withSampling(1.0, 0, 1.0, 0.3, 1)) shouldBe listOf(true, false, false, true)
            val t = LogitsProcessor.apply(logits, hist, base.withSampling(2.0, 0, 1.0, 0.0, 1)).toFloatArray()
            abs(t[0] - 1f) shouldBe 0f
        }
    }
})
