package dev.lathe.scripts.bench

import dev.lathe.engine.model.DecoderBuilder
import dev.lathe.engine.align.Losses
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.ModelInit
import dev.lathe.engine.reward.CheckedRewardRunner
import dev.lathe.engine.reward.Reward
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.train.AdamW
import dev.lathe.engine.train.LoopSettings
import dev.lathe.engine.train.LrSchedule
import dev.lathe.engine.train.OptimizerSpec
import dev.lathe.engine.data.GrpoPrompt
import dev.lathe.engine.train.grpo.GrpoSettings
import dev.lathe.engine.train.grpo.GrpoTraining
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.util.SplittableRandom

/**
 * The Lathe side of `lathe bench grpo`: GRPO steps through the real path (GrpoTraining: rollout engine,
 * reward runner, frozen-copy reference, chunked log-probs, dapo + k3, AdamW) on a Llama of the given
 * shape; every completion runs to `completion` tokens (no EOS), as in the peer. A one-step run warms up
 * first; the measured run's phase totals are divided by its steps.
 */
class GrpoBench(val layers: Int, val hidden: Int, val heads: Int, val kvHeads: Int, val ffn: Int, val vocab: Int,
                val prompts: Int, val generations: Int, val prompt: Int, val completion: Int) {
    private val spec = DecoderBuilder.llama(vocab, hidden, ffn, layers, heads, kvHeads).maxPositions(maxOf(prompt + completion, 512)).rmsEps(1e-5).build()

    class Result(val stepSeconds: Double, val phases: Map<String, Double>)

    fun run(steps: Int): Result {
        once(1)
        return once(steps)
    }

    private fun once(steps: Int): Result {
        val out = Files.createTempDirectory("bench-grpo")
        val r = SplittableRandom(0)
        val ps = List(prompts) { i -> GrpoPrompt("p$i", IntArray(prompt) { r.nextInt(vocab) }, mapOf(), "bench prompt $i") }
        val rows = prompts * generations
        val reward = Reward.of("mod7", 1.0) { s -> s.completionIds().count { it % 7 == 0 }.toDouble() / s.completionIds().size }
        CausalLM(spec).use { policy ->
            ModelInit.randomize(policy, 0, 0.02)
            CheckedRewardRunner(listOf(reward)).use { runner ->
                val res = GrpoTraining().apply {
                    model = policy
                    grpo = GrpoSettings().apply { numGenerations = generations; maxCompletionLength = completion }
                    loss = Losses.grpo().beta(0.04).maxCompletionLength(completion).build()
                    referenceCopy = { CausalLM(spec).also { c -> Scope.open().use { policy.stateDict().forEach { (k, v) -> c.load(k, v) } } } }
                    this.prompts = ps
                    rewards = runner
                    padId = 0
                    loop = LoopSettings().apply {
                        microBatchSize = rows; maxSteps = steps.toLong(); learningRate = 1e-6; outputDir = out
                        optimizer = OptimizerSpec.AdamW(AdamW.Settings(0.9, 0.999, 1e-8, 0.0)); schedule = LrSchedule.Constant(LrSchedule.Warmup.NONE)
                        progress = false; plots = false; savesPerEpoch = 0
                    }
                    log = PrintStream(ByteArrayOutputStream())
                }.run()
                val phases = res.phaseSeconds().filterKeys { it != "save" }.mapValues { it.value / steps }
                return Result(phases.values.sum(), phases)
            }
        }
    }
}
