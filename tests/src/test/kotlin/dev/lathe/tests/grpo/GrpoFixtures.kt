package dev.lathe.tests.grpo

import dev.lathe.engine.align.Losses
import dev.lathe.engine.reward.Reward
import dev.lathe.engine.reward.RewardRunner
import dev.lathe.engine.reward.Sample
import dev.lathe.engine.train.AdamW
import dev.lathe.engine.train.LoopSettings
import dev.lathe.engine.train.LrSchedule
import dev.lathe.engine.train.OptimizerSpec
import dev.lathe.engine.train.RunResult
import dev.lathe.engine.data.GrpoPrompt
import dev.lathe.engine.train.grpo.GrpoSettings
import dev.lathe.engine.train.grpo.GrpoTraining
import dev.lathe.tests.train.MethodFixtures
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Path
import java.util.SplittableRandom

/** Token-level GRPO fixtures: prompts of random tokens, a rule-based reward, and a one-call run. */
object GrpoFixtures {
    const val GOOD = MethodFixtures.GOOD
    const val EOS = 2

    fun prompts(n: Int, seed: Long): List<GrpoPrompt> {
        val r = SplittableRandom(seed)
        return List(n) { i -> GrpoPrompt("p$i", IntArray(2 + r.nextInt(3)) { 3 + r.nextInt(MethodFixtures.VOCAB - 3) }, mapOf("id" to i), "row $i") }
    }

    /** Fraction of the completion's tokens (EOS excluded) that are GOOD: learnable from nothing. */
    val goodFraction: Reward = Reward.of("good", 1.0) { s ->
        val ids = s.completionIds().filter { it != EOS }
        if (ids.isEmpty()) 0.0 else ids.count { it == GOOD }.toDouble() / ids.size
    }

    /**
     * A runner without a thread pool or checks, for engine specs only (the checked RewardRunner is the
     * rewards work's); it calls per-sample functions in order and maps null to NaN.
     */
    class PlainRunner(private val list: List<Reward>) : RewardRunner {
        override fun score(samples: List<Sample>, groupSize: Int): RewardRunner.RewardTable {
            val v = Array(samples.size) { i -> DoubleArray(list.size) { k -> list[k].perSample()!!.score(samples[i]) ?: Double.NaN } }
            return RewardRunner.RewardTable(v, IntArray(list.size), IntArray(list.size))
        }

        override fun rewards(): List<Reward> = list
    }

    fun loop(out: Path, block: LoopSettings.() -> Unit) = LoopSettings().apply {
        outputDir = out
        learningRate = 1e-2
        optimizer = OptimizerSpec.AdamW(AdamW.Settings(0.9, 0.999, 1e-8, 0.0))
        schedule = LrSchedule.Constant(LrSchedule.Warmup.NONE)
        progress = false
        plots = false
        block()
    }

    fun run(out: Path, seed: Long = 5, lora: Boolean = false, beta: Double = 0.0, lossType: String = "dapo", rewards: List<Reward> = listOf(goodFraction),
            log: PrintStream = PrintStream(ByteArrayOutputStream()), settings: GrpoSettings.() -> Unit = {},
            lossBlock: Losses.GrpoBuilder.() -> Unit = {}, rollout: dev.lathe.engine.train.grpo.RolloutFunction? = null,
            loopBlock: LoopSettings.() -> Unit): RunResult {
        val s = GrpoSettings().apply { numGenerations = 4; maxCompletionLength = 4; settings() }
        MethodFixtures.tinyLm(seed).use { m ->
            if (lora) m.addLora(dev.lathe.engine.nn.LoraSpec(4, 8.0, 0.0, emptyList(), true, false))
            return GrpoTraining().apply {
                model = m
                grpo = s
                loss = Losses.grpo().lossType(lossType).beta(beta).maxCompletionLength(s.maxCompletionLength).apply(lossBlock).build()
                referenceCopy = { MethodFixtures.tinyLm(seed) }
                prompts = prompts(16, 9)
                this.rewards = PlainRunner(rewards)
                rolloutFunction = rollout
                eosIds = setOf(EOS)
                padId = 0
                loop = loop(out, loopBlock)
                this.log = log
            }.run()
        }
    }
}
