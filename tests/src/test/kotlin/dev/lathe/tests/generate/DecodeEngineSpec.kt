package dev.lathe.tests.generate

import dev.lathe.engine.generate.Completion
import dev.lathe.engine.generate.DecodeEngine
import dev.lathe.engine.generate.Generator
import dev.lathe.engine.generate.Listener
import dev.lathe.engine.generate.Request
import dev.lathe.engine.generate.Sampling
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.ModelInit
import dev.lathe.engine.nn.LoraSpec
import dev.lathe.engine.tensor.Grad
import dev.lathe.engine.tensor.Tensors
import dev.lathe.tests.model.Fixtures
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import java.util.concurrent.CompletableFuture
import java.util.concurrent.RejectedExecutionException
import java.util.concurrent.TimeUnit

/** Continuous batching: rows join a running batch and leave it, and every row decodes as if alone. */
class DecodeEngineSpec : StringSpec({
    val prompts = listOf(intArrayOf(5, 9, 2, 17), intArrayOf(33), intArrayOf(8, 8, 41, 7, 7, 3))
    fun model() = CausalLM(Fixtures.tinySpec()).also { ModelInit.randomize(it, 11, 0.3) }

    class Collect : Listener {
        val tokens = mutableListOf<Int>()
        val done = mutableListOf<Completion>()
        override fun token(sample: Int, token: Int, logprob: Float) { tokens.add(token) }
        override fun finished(c: Completion) { done.add(c) }
    }

    "requests joining mid-flight decode as if alone; finished rows leave and the others move into their rows" {
        Fixtures.scoped {
            model().use { m ->
                val gen = Generator(m, null, 0)
                val budgets = listOf(10, 4, 6)
                val alone = prompts.indices.map { gen.generate(listOf(prompts[it]), Sampling.greedy(budgets[it], setOf()))[0] }
                DecodeEngine(m, null, 0, 4, 24, 4).use { e ->
                    val order = mutableListOf<Int>()
                    val got = arrayOfNulls<Completion>(3)
                    fun submit(i: Int) = e.submit(Request(i, prompts[i], Sampling.greedy(budgets[i], setOf()), 3, Listener { c ->
                        got[i] = c; order.add(i)
                    }))
                    submit(0)
                    repeat(3) { e.step() }
                    e.liveRows() shouldBe 1
                    submit(1); submit(2)
                    val live = mutableListOf<Int>()
                    while (e.step()) live.add(e.liveRows())
                    order shouldBe listOf(1, 2, 0) // 1 leaves first: row 2 moves into its cache row
                    live.first() shouldBe 3
                    live.contains(2) shouldBe true
                    for (i in 0..2) {
                        got[i]!!.tokens().toList() shouldBe alone[i].tokens().toList()
                        got[i]!!.policyVersion() shouldBe 3L
                    }
                }
            }
        }
    }

    "a sampled request and a greedy one share the batch, each with its own parameters" {
        Fixtures.scoped {
            model().use { m ->
                val greedyAlone = Generator(m, null, 0).generate(listOf(prompts[0]), Sampling.greedy(8, setOf()))[0]
                DecodeEngine(m, null, 0, 8, 24, 4).use { e ->
                    val sampled = Collect()
                    val greedy = Collect()
                    e.submit(Request(0, prompts[2], Sampling.greedy(8, setOf()).withSamples(3).withSampling(1.2, 10, 0.9, 0.0, 1), 0, sampled))
                    e.submit(Request(0, prompts[0], Sampling.greedy(8, setOf()), 0, greedy))
                    e.runUntilIdle()
                    greedy.done.single().tokens().toList() shouldBe greedyAlone.tokens().toList()
                    greedy.tokens shouldBe greedyAlone.tokens().toList() // streamed == final
                    sampled.done.size shouldBe 3
                    sampled.done.all { c -> c.thresholds().any { it.isFinite() } } shouldBe true
                }
            }
        }
    }

    "cancel frees the rows; admission is bounded; what can never fit is refused" {
        Fixtures.scoped {
            model().use { m ->
                DecodeEngine(m, null, 0, 2, 16, 1).use { e ->
                    val c = Collect()
                    val t = e.submit(Request(0, prompts[0], Sampling.greedy(10, setOf()).withSamples(2), 0, c))
                    shouldThrow<RejectedExecutionException> { e.submit(Request(1, prompts[1], Sampling.greedy(4, setOf()), 0, Collect())) }
                    repeat(3) { e.step() }
                    e.liveRows() shouldBe 2
                    t.cancel()
                    e.step()
                    e.liveRows() shouldBe 0
                    c.done.map { it.finishReason() } shouldBe listOf("cancelled", "cancelled")
                    c.done.all { it.tokens().size in 1..3 } shouldBe true
                    shouldThrow<IllegalArgumentException> { e.submit(Request(2, prompts[2], Sampling.greedy(11, setOf()), 0, Collect())) }
                    shouldThrow<IllegalArgumentException> { e.submit(Request(2, prompts[1], Sampling.greedy(4, setOf()).withSamples(3), 0, Collect())) }
                }
            }
        }
    }

    "a decode thread serves submissions from other threads" {
        Fixtures.scoped {
            model().use { m ->
                val alone = Generator(m, null, 0).generate(listOf(prompts[1]), Sampling.greedy(6, setOf()))[0]
                DecodeEngine(m, null, 0, 4, 24, 4).use { e ->
                    e.start()
                    val f = CompletableFuture<Completion>()
                    e.submit(Request(0, prompts[1], Sampling.greedy(6, setOf()), 0, Listener { f.complete(it) }))
                    f.get(60, TimeUnit.SECONDS).tokens().toList() shouldBe alone.tokens().toList()
                }
            }
        }
    }

    "generation runs without grad with LoRA adapters active (not merged)" {
        Fixtures.scoped {
            model().use { m ->
                m.addLora(LoraSpec(4, 8.0, 0.0, listOf("q_proj", "v_proj", "down_proj"), false, false))
                Grad.disabled().use {
                    for (l in m.loraLayers().values) l.loraB().weight().copy_(Tensors.randn(*l.loraB().weight().shape()).mul(0.5))
                }
                val gen = Generator(m, null, 0)
                val s = Sampling.greedy(8, setOf())
                val cached = gen.generate(prompts, s)
                val full = gen.generate(prompts, s.withCache(false))
                cached.map { it.tokens().toList() } shouldBe full.map { it.tokens().toList() }
                val base = m.adaptersDisabled().use { gen.generate(prompts, s) }
                (cached.map { it.logprobs().toList() } != base.map { it.logprobs().toList() }) shouldBe true
                m.trainableParameters().all { it.grad() == null } shouldBe true
                m.loraLayers().isEmpty() shouldBe false
            }
        }
    }
})
