package dev.lathe.tests.generate

import dev.lathe.engine.generate.Completion
import dev.lathe.engine.generate.Generator
import dev.lathe.engine.generate.LogitsProcessor
import dev.lathe.engine.generate.Sampling
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.Inputs
import dev.lathe.engine.model.LogProbs
import dev.lathe.engine.model.ModelInit
import dev.lathe.engine.tensor.Grad
import dev.lathe.engine.tensor.Tensor
import dev.lathe.engine.tensor.Tensors
import dev.lathe.tests.model.Fixtures
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.shouldBeGreaterThan
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.shouldBe

/**
 * grpo-spec §9.4: on policy, the sampler's per-token log-probs equal the training side's (the chunked
 * label log-prob op on hidden / T, renormalised over the sampler's kept set by its thresholds), so the
 * importance ratio exp(train - sampled) is 1 to fp32 tolerance, with temperature, top-k, top-p and min-p.
 */
class OnPolicySpec : StringSpec({
    val prompts = listOf(intArrayOf(5, 9, 2, 17), intArrayOf(33), intArrayOf(8, 8, 41))

    /** The trainer's per-token log-probs of c's tokens: [1, C]. */
    fun trainSide(m: CausalLM, c: Completion, temperature: Double, useThresholds: Boolean): Tensor {
        val p = c.promptIds().size
        val all = c.promptIds() + c.tokens()
        val ids = Tensors.of(all.map { it.toLong() }.toLongArray(), 1, all.size.toLong())
        val hidden = Grad.disabled().use { m.hidden(Inputs.of(ids)) }
        val h = hidden.narrow(1, p - 1L, c.tokens().size.toLong()).div(temperature) // positions predicting each token
        val labels = Tensors.of(c.tokens().map { it.toLong() }.toLongArray(), 1, c.tokens().size.toLong())
        val tau = if (useThresholds) Tensors.of(c.thresholds(), 1, c.tokens().size.toLong()) else null
        return LogProbs.ofLabels(h, m.lmHeadWeight(), labels, null, tau, 3).logps()
    }

    fun check(s: Sampling, filtered: Boolean) {
        Fixtures.scoped {
            CausalLM(Fixtures.tinySpec()).use { m ->
                ModelInit.randomize(m, 11, 0.3)
                val out = Generator(m, null, 0).generate(prompts, s, 7)
                out.size shouldBe 9
                var worst = 0.0
                var biased = 0.0
                for (c in out) {
                    c.policyVersion() shouldBe 7L
                    c.promptIds().toList() shouldBe prompts[c.prompt()].toList()
                    c.truncated() shouldBe true
                    c.thresholds().size shouldBe c.tokens().size
                    val sampled = Tensors.of(c.logprobs(), 1, c.tokens().size.toLong())
                    worst = maxOf(worst, Fixtures.maxDiff(trainSide(m, c, s.temperature(), true), sampled))
                    biased = maxOf(biased, Fixtures.maxDiff(trainSide(m, c, s.temperature(), false), sampled))
                }
                worst shouldBeLessThan 2e-5 // ratio exp(diff) = 1 to fp32 tolerance
                if (filtered) {
                    out.any { c -> c.thresholds().any { it.isFinite() } } shouldBe true
                    biased shouldBeGreaterThan 1e-2 // the full-vocabulary softmax would not match (TRL #6789)
                } else {
                    out.all { c -> c.thresholds().all { it == Float.NEGATIVE_INFINITY } } shouldBe true
                }
            }
        }
    }

    "temperature alone: sampler log-probs == trainer log-probs over the whole vocabulary" {
        check(Sampling.greedy(8, setOf()).withSamples(3).withSampling(0.7, 0, 1.0, 0.0, 5), false)
    }

    "top-k, top-p and min-p: equal after renormalising over the kept set given by the thresholds" {
        check(Sampling.greedy(8, setOf()).withSamples(3).withSampling(0.7, 12, 0.9, 0.0, 5), true)
        check(Sampling.greedy(8, setOf()).withSamples(3).withSampling(1.3, 0, 1.0, 0.1, 6), true)
    }

    "a repetition penalty is not reproducible by the trainer: thresholds are -inf and the flag says so" {
        Fixtures.scoped {
            CausalLM(Fixtures.tinySpec()).use { m ->
                ModelInit.randomize(m, 11, 0.3)
                val s = Sampling.greedy(6, setOf()).withSampling(0.7, 12, 1.0, 0.0, 5).withRepetitionPenalty(1.3)
                s.trainerReproducible() shouldBe false
                val c = Generator(m, null, 0).generate(prompts.take(1), s)[0]
                c.thresholds().all { it == Float.NEGATIVE_INFINITY } shouldBe true
            }
        }
    }

    "the sampler's top-k candidate path keeps the same set, with the same threshold, as the full processor" {
        Fixtures.scoped {
            dev.lathe.engine.tensor.Runtime.seed(3)
            val logits = Tensors.randn(6, 50).mul(2.0)
            val base = Sampling.greedy(1, setOf())
            for (s in listOf(base.withSampling(0.7, 5, 1.0, 0.0, 1), base.withSampling(1.0, 20, 0.8, 0.0, 1),
                    base.withSampling(1.5, 30, 0.95, 0.05, 1), base.withSampling(0.5, 49 - 1, 0.5, 0.2, 1))) {
                val full = LogitsProcessor.process(logits, null, s)
                val cand = LogitsProcessor.candidates(logits, null, s)!!
                Fixtures.maxDiff(cand.threshold(), full.threshold()) shouldBe 0.0
                val keptFull = full.logits().isfinite().sum(1, false).toLongArray().toList()
                cand.values().isfinite().sum(1, false).toLongArray().toList() shouldBe keptFull
                // the kept candidates carry the full path's processed values at their ids
                val back = full.logits().gather(1, cand.ids())
                Fixtures.maxDiff(back.maskedFill(cand.values().isinf(), 0.0), cand.values().maskedFill(cand.values().isinf(), 0.0)) shouldBe 0.0
            }
        }
    }
})
