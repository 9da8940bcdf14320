package dev.lathe.tests.grpo

import dev.lathe.engine.align.GrpoInputs
import dev.lathe.engine.align.Losses
import dev.lathe.engine.reward.Reward
import dev.lathe.engine.tensor.Tensors
import dev.lathe.engine.train.RunResult
import dev.lathe.engine.train.grpo.GrpoBatch
import dev.lathe.engine.train.grpo.RolloutFunction
import dev.lathe.engine.train.grpo.RolloutRow
import dev.lathe.tests.train.MethodFixtures
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files

/** rollout_func (grpo-spec §15.1): environment tokens are context and reward input, never trained on. */
class RolloutFunctionSpec : StringSpec({
    "env-masked tokens have zero loss mask, are not counted by the dapo normaliser, and get exactly zero gradient" {
        val prompts = GrpoFixtures.prompts(2, 3)
        // row 0: generated, generated, env, env, generated; row 1: all generated
        val rows = listOf(
            RolloutRow(0, intArrayOf(5, 6, 7, 8, 9), false, 1.0, null, null, null, null, 0, intArrayOf(1, 1, 0, 0, 1)),
            RolloutRow(1, intArrayOf(5, 6, 7), false, -1.0, null, null, null, null, 0, null))
        GrpoBatch.lossTokens(rows, false) shouldBe 6L
        val b = GrpoBatch.of(rows, prompts, 0, false, GrpoInputs.Window.single(2, 6), null, false)
        b.lossMask().toFloatArray().toList() shouldBe listOf(1f, 1f, 0f, 0f, 1f, 1f, 1f, 1f, 0f, 0f)
        b.real().toFloatArray().toList() shouldBe listOf(1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 0f, 0f) // env tokens stay in the input
        val logps = Tensors.of(FloatArray(10) { -0.5f - it / 10f }, 2, 5).requiresGrad_(true)
        val loss = Losses.grpo().lossType("dapo").maxCompletionLength(8).build()
            .compute(GrpoInputs(logps, null, null, b.advantages(), b.lossMask(), null, GrpoInputs.Window.single(2, 6)))
        loss.loss().backward()
        // ratio 1, unclipped: d loss / d l_t = -A_i M_t / tokens(W) = -A/6 on trained tokens, exactly 0 on env and padding
        val g = logps.grad()!!.toFloatArray().toList()
        g.zip(listOf(-1.0, -1.0, 0.0, 0.0, -1.0, 1.0, 1.0, 1.0, 0.0, 0.0)).forEach { (got, a) -> got.toDouble() shouldBe ((a / 6) plusOrMinus 1e-7) }
    }

    /** A two-turn rollout: the model's turn (sampled through the run's engine), then an environment reply of envTokens. */
    fun run(out: java.nio.file.Path, envTokens: IntArray, texts: Boolean = false): RunResult {
        val f = RolloutFunction { prompts, ctx ->
            ctx.generate(prompts.map { it.ids() }, ctx.sampling().withSamples(1)).map { c ->
                val first = c.tokens()[0] / MethodFixtures.VOCAB.toDouble() // varies across a group: advantages are not 0
                RolloutFunction.Rollout(null, c.tokens() + envTokens, c.logprobs() + FloatArray(envTokens.size), IntArray(c.tokens().size) { 1 } + IntArray(envTokens.size),
                    mapOf("first_token" to first), null)
            }
        }
        // the reward reads the rollout function's extra field (TRL: extra keys reach the reward functions)
        val reward = Reward.of("first_token", 1.0) { x -> x.row()["first_token"] as Double }
        return GrpoFixtures.run(out, rewards = listOf(reward), rollout = if (texts) RolloutFunction.ofTexts { ps -> ps.map { "x" } } else f) {
            microBatchSize = 4; gradientAccumulationSteps = 2; maxSteps = 3
        }
    }

    "a rollout function's environment reply at the end changes nothing in training: only generated tokens are trained" {
        val two = run(Files.createTempDirectory("rf-2"), intArrayOf(7, 8))
        val three = run(Files.createTempDirectory("rf-3"), intArrayOf(9, 10, 11))
        two.lossByStep().size shouldBe 3
        (two.history().mapNotNull { it["reward_std"] as Double? }.max() > 0) shouldBe true // a learning signal, so the check can fail
        for ((step, l) in two.lossByStep()) three.lossByStep()[step]!! shouldBe (l plusOrMinus 1e-6)
        // the env tokens are part of the completion (lengths) but not of the loss
        val len2 = two.history().mapNotNull { it["completions/mean_length"] as Double? }
        val len3 = three.history().mapNotNull { it["completions/mean_length"] as Double? }
        len3.zip(len2).forEach { (a, b) -> a shouldBe (b + 1.0 plusOrMinus 1e-9) }
    }

    "the string form (Axolotl's) needs the run's tokenizer to turn completions into ids, and says so" {
        shouldThrow<IllegalStateException> { run(Files.createTempDirectory("rf-t"), intArrayOf(), texts = true) }.message shouldContain "needs the run's tokenizer"
    }

    "a rollout function's completion is truncated when its last id is not EOS (TRL's rule): clipped_ratio and mask_truncated_completions see it" {
        val endsEos = RolloutFunction { prompts, ctx ->
            prompts.mapIndexed { i, _ ->
                val ids = if (i % 2 == 0) intArrayOf(5, GrpoFixtures.EOS) else intArrayOf(5, 6) // half end in EOS, half run out
                RolloutFunction.Rollout(null, ids, FloatArray(2), null, mapOf(), null)
            }
        }
        val r = GrpoFixtures.run(Files.createTempDirectory("rf-trunc"), rollout = endsEos) { microBatchSize = 4; maxSteps = 1; loggingSteps = 1 }
        r.history().mapNotNull { it["completions/clipped_ratio"] as Double? }.single() shouldBe (0.5 plusOrMinus 1e-9)
    }
})
