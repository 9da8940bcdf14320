package dev.lathe.tests.ebft

import dev.lathe.engine.nn.LoraSpec
import dev.lathe.engine.train.RunResult
import dev.lathe.engine.train.ebft.EbftSettings
import dev.lathe.engine.train.ebft.EbftTraining
import dev.lathe.engine.train.ebft.EmbedMethod
import dev.lathe.engine.train.ebft.StridedDoc
import dev.lathe.engine.train.grpo.GrpoSettings
import dev.lathe.tests.grpo.GrpoFixtures
import dev.lathe.tests.train.MethodFixtures
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.collections.shouldContainAll
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.util.SplittableRandom

/** EBFT end to end on a tiny Llama: the feature distance to the ground truth falls in each mode; metrics; refusals. */
class EbftTrainingSpec : StringSpec({
    fun metric(r: RunResult, key: String) = r.history().mapNotNull { (it[key] as Number?)?.toDouble() }

    /**
     * Documents that follow a fixed successor rule (token k is always followed by succ(k)) from a random
     * start: a block's ground truth is predictable from the token before its anchor.
     */
    fun documents(n: Int, seed: Long): List<StridedDoc> {
        val r = SplittableRandom(seed)
        val succ = IntArray(MethodFixtures.VOCAB) { 3 + (it * 7 + 5) % (MethodFixtures.VOCAB - 3) }
        return List(n) {
            val ids = IntArray(20)
            ids[0] = 3 + r.nextInt(MethodFixtures.VOCAB - 3)
            for (i in 1 until ids.size) ids[i] = succ[ids[i - 1]]
            StridedDoc(ids, 0)
        }
    }

    fun strided(out: java.nio.file.Path, log: PrintStream, settings: EbftSettings.() -> Unit, steps: Int, lora: Boolean = true, lr: Double = 3e-2): RunResult =
        MethodFixtures.tinyLm(7).use { m ->
            if (lora) m.addLora(LoraSpec(8, 16.0, 0.0, emptyList(), true, false))
            EbftTraining().apply {
                model = m
                featureCopy = { MethodFixtures.tinyLm(7) }
                ebft = EbftSettings().apply {
                    mode = EbftSettings.Mode.STRIDED; stride = 4; contextLength = 4; generateMaxLen = 4; nSamplesPerPrompt = 4
                    temperature = 1.0; embedMethod = EmbedMethod.MEAN_POOLING; settings()
                }
                documents = documents(16, 11)
                loop = GrpoFixtures.loop(out) { microBatchSize = 2; maxSteps = steps.toLong(); learningRate = lr }
                this.log = log
            }.run()
        }

    "strided: the feature distance to the ground truth falls over a short run (full fine-tune, frozen-copy features, ce_coef 1)" {
        val log = ByteArrayOutputStream()
        val r = strided(Files.createTempDirectory("ebft-strided"), PrintStream(log), { ceCoef = 1.0 }, 30, lora = false, lr = 1e-2)
        log.toString() shouldContain "frozen copy"
        val cfm = metric(r, "ebft/cfm_loss")
        cfm.size shouldBe 30
        cfm.takeLast(5).average() shouldBeLessThan cfm.take(5).average() * 0.6
        r.history().first { it.containsKey("loss") }.keys shouldContainAll listOf("ebft/alignment", "ebft/diversity", "ebft/rl_loss", "ebft/ce_loss",
            "ebft/mean_reward", "ebft/num_blocks", "ebft/advantages_std", "loss", "grad_norm", "learning_rate")
        metric(r, "ebft/num_blocks").first() shouldBe 8.0 // 2 documents x (20 − 4 − 4) / 4 + 1 = 4 blocks
    }

    "strided: padding never becomes a block, short documents are dropped with a message, inert options are refused" {
        val log = ByteArrayOutputStream()
        MethodFixtures.tinyLm(7).use { m ->
            m.addLora(LoraSpec(4, 8.0, 0.0, emptyList(), true, false))
            val run = EbftTraining().apply {
                model = m
                ebft = EbftSettings().apply { mode = EbftSettings.Mode.STRIDED; stride = 4; contextLength = 4; generateMaxLen = 4; nSamplesPerPrompt = 2 }
                // lengths 20 and 9: the batch pads to 20; the short one has one block (anchor 4, tokens 4..7), not four
                documents = listOf(StridedDoc(IntArray(20) { 3 + it % 5 }, 0), StridedDoc(IntArray(9) { 3 + it % 3 }, 0), StridedDoc(IntArray(6) { 4 }, 0))
                loop = GrpoFixtures.loop(Files.createTempDirectory("ebft-pad")) { microBatchSize = 2; maxSteps = 1; shuffle = false }
                this.log = PrintStream(log)
            }
            metric(run.run(), "ebft/num_blocks") shouldBe listOf(5.0)
            log.toString() shouldContain "dropped 1 of 3 documents too short"
            run.ebft.embedMethod = EmbedMethod.CONCAT
            shouldThrow<IllegalArgumentException> { run.run() }.message shouldContain "embed_method: strided mode pools each block by mean_pooling or last_token"
        }
    }

    "structured: GRPO with the feature-matching reward lowers the feature distance (frozen-copy features)" {
        val r = SplittableRandom(2)
        val prompts = GrpoFixtures.prompts(16, 9)
        // the ground truth of every prompt: GOOD GOOD GOOD (learnable from nothing, like GRPO's GOOD-fraction reward)
        val gts = prompts.map { IntArray(3) { MethodFixtures.GOOD } }
        r.nextInt()
        val log = ByteArrayOutputStream()
        val run = MethodFixtures.tinyLm(5).use { m ->
            EbftTraining().apply {
                model = m
                featureCopy = { MethodFixtures.tinyLm(5) }
                ebft = EbftSettings().apply { embedMethod = EmbedMethod.MEAN_POOLING }
                grpo = GrpoSettings().apply { numGenerations = 8; maxCompletionLength = 4 }
                this.prompts = prompts
                groundTruths = gts
                eosIds = setOf(GrpoFixtures.EOS)
                loop = GrpoFixtures.loop(Files.createTempDirectory("ebft-structured")) { microBatchSize = 16; maxSteps = 16; learningRate = 3e-2 }
                this.log = PrintStream(log)
            }.run()
        }
        log.toString() shouldContain "frozen copy"
        val cfm = metric(run, "ebft/cfm_loss")
        cfm.takeLast(3).average() shouldBeLessThan cfm.take(3).average() * 0.8
        run.history().first { it.containsKey("loss") }.keys shouldContainAll listOf("ebft/alignment", "ebft/diversity", "ebft/reward",
            "reward", "reward_std", "rewards/feature_matching/mean", "frac_reward_zero_std", "completions/mean_length")
    }

    "structured: ce_coef and rl_coef are refused (no CE term there)" {
        MethodFixtures.tinyLm(5).use { m ->
            val t = EbftTraining().apply {
                model = m; featureCopy = { MethodFixtures.tinyLm(5) }; ebft = EbftSettings().apply { ceCoef = 0.1 }
                prompts = GrpoFixtures.prompts(4, 1); groundTruths = prompts.map { intArrayOf(1) }
            }
            shouldThrow<IllegalArgumentException> { t.run() }.message shouldContain "ce_coef: structured mode has no cross-entropy term"
        }
    }
})
