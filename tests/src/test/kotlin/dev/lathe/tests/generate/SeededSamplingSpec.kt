package dev.lathe.tests.generate

import dev.lathe.engine.generate.Completion
import dev.lathe.engine.generate.DecodeEngine
import dev.lathe.engine.generate.Generator
import dev.lathe.engine.generate.Listener
import dev.lathe.engine.generate.Request
import dev.lathe.engine.generate.RowRandom
import dev.lathe.engine.generate.Sampling
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.ModelInit
import dev.lathe.engine.tensor.Runtime
import dev.lathe.engine.tensor.Tensors
import dev.lathe.tests.model.Fixtures
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe

/**
 * A request's seed fixes its samples whatever shares the batch (vLLM's per-request generator): seeded rows
 * draw from their own streams, keyed by (seed, prompt, sample), not from libtorch's global generator.
 */
class SeededSamplingSpec : StringSpec({
    val prompts = listOf(intArrayOf(5, 9, 2, 17), intArrayOf(33), intArrayOf(8, 8, 41, 7, 7, 3))
    fun model() = CausalLM(Fixtures.tinySpec()).also { ModelInit.randomize(it, 11, 0.3) }
    fun sampled(seed: Long?, topK: Int = 0) = Sampling.greedy(8, setOf()).withSamples(3).withSampling(1.0, topK, 1.0, 0.0, 0)
        .withSeed(seed)

    class Collect : Listener {
        val done = mutableListOf<Completion>()
        override fun token(sample: Int, token: Int, logprob: Float) {}
        override fun finished(c: Completion) { done.add(c) }
    }

    fun tokens(c: Collect) = c.done.sortedBy { it.sample() }.map { it.tokens().toList() }

    "the exponential race draws each index with its probability, from the row's own stream" {
        Fixtures.scoped {
            val n = 20000
            val p = doubleArrayOf(0.1, 0.2, 0.0, 0.3, 0.4)
            val probs = Tensors.of(FloatArray(n * p.size) { p[it % p.size].toFloat() }, n.toLong(), p.size.toLong())
            val picks = RowRandom.draw(probs, List(n) { RowRandom.of(42L, it, 0) }).toLongArray()
            val counts = IntArray(p.size).also { c -> picks.forEach { c[it.toInt()]++ } }
            counts[2] shouldBe 0 // probability 0 is never drawn
            // +-4 standard deviations of a binomial(20000, p) frequency: at most 0.0139
            for (i in p.indices) counts[i].toDouble() / n shouldBe (p[i] plusOrMinus 0.014)
            // the same streams give the same draws; another seed gives others
            RowRandom.draw(probs, List(n) { RowRandom.of(42L, it, 0) }).toLongArray().toList() shouldBe picks.toList()
            RowRandom.draw(probs, List(n) { RowRandom.of(43L, it, 0) }).toLongArray().toList() shouldNotBe picks.toList()
        }
    }

    "a seeded request samples the same tokens alone, or in a batch with seeded and unseeded requests, with or without the KV cache" {
        Fixtures.scoped {
            model().use { m ->
                for (topK in listOf(0, 12)) {
                    fun alone(): List<List<Int>> = DecodeEngine(m, null, 0, 9, 24, 4).use { e ->
                        Collect().also { c -> e.submit(Request(0, prompts[2], sampled(7, topK), 0, c)); e.runUntilIdle() }.let { tokens(it) }
                    }
                    val first = alone()
                    first.distinct().size shouldNotBe 1 // three samples of one prompt differ from each other
                    Runtime.seed(1)
                    val shared = DecodeEngine(m, null, 0, 9, 24, 4).use { e ->
                        val other = Collect()
                        val mine = Collect()
                        e.submit(Request(0, prompts[0], sampled(null, topK), 0, other))
                        e.step(); e.step() // the unseeded request has drawn from the global generator already
                        e.submit(Request(0, prompts[2], sampled(7, topK), 0, mine))
                        e.submit(Request(1, prompts[1], sampled(7, topK), 0, Collect())) // same seed, another prompt
                        e.runUntilIdle()
                        tokens(mine)
                    }
                    Runtime.seed(2)
                    shared shouldBe first
                    alone() shouldBe first
                    val reference = Generator(m, null, 0).generate(listOf(prompts[2]), sampled(7, topK).withCache(false))
                    reference.sortedBy { it.sample() }.map { it.tokens().toList() } shouldBe first
                }
            }
        }
    }
})
