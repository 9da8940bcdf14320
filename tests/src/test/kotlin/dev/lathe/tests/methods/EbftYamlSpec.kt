package dev.lathe.tests.methods

import dev.lathe.engine.train.MetricsLog
import dev.lathe.scripts.cli.EbftRun
import dev.lathe.scripts.config.ConfigBinder
import dev.lathe.scripts.config.ConfigException
import dev.lathe.scripts.config.EbftConfig
import dev.lathe.scripts.dsl.ebft
import dev.lathe.scripts.dsl.ebftStrided
import dev.lathe.scripts.dsl.prompts
import dev.lathe.scripts.dsl.tinyModel
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.collections.shouldContainAll
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path

/**
 * The committed recipes/ebft.yml (structured) and recipes/ebft-strided.yml run a few steps on a fresh tiny
 * model and write the ebft/ metrics with GRPO's and the loop's; the `ebft:` block's errors name the file, line and key.
 */
class EbftYamlSpec : StringSpec({
    val repo = System.getenv("LATHE_REPO")?.let { Path.of(it) } ?: Path.of("..").toAbsolutePath().normalize()
    val work = Files.createTempDirectory("ebft-yaml")
    val model = tinyModel(work.resolve("tiny")) { hidden = 32; layers = 2; heads = 4; kvHeads = 2 }

    fun text(name: String) = Files.readString(repo.resolve("recipes/$name.yml"))
        .replace(Regex("(?m)^base_model: .*$"), "base_model: $model")
        .replace(Regex("(?m)^output_dir: .*$"), "output_dir: ${work.resolve("out-$name")}")
        .replace("path: data/", "path: ${repo.resolve("recipes/data")}/")
        .replace(Regex("(?m)^max_steps: .*$"), "max_steps: 2")
        .replace(Regex("(?m)^  max_completion_length: .*$"), "  max_completion_length: 6") + "\nsaves_per_epoch: 0\n"

    fun bind(name: String, yaml: String): Any = ConfigBinder.readAny(work.resolve("$name.yml").also { Files.writeString(it, yaml) })

    fun run(name: String): Pair<List<Map<String, Any>>, String> {
        val cfg = bind(name, text(name)) as EbftConfig
        val out = ByteArrayOutputStream()
        EbftRun.run(cfg, PrintStream(out))
        return MetricsLog.read(work.resolve("out-$name/metrics.jsonl")) to out.toString()
    }

    "recipes/ebft.yml: structured mode, chat prompts, feature-matching reward, GRPO metrics with ebft/*" {
        val (rows, log) = run("ebft")
        rows.size shouldBe 2
        rows.first().keys shouldContainAll listOf("loss", "reward", "reward_std", "rewards/feature_matching/mean", "ebft/alignment",
            "ebft/diversity", "ebft/cfm_loss", "ebft/reward", "completions/mean_length", "frac_reward_zero_std")
        log shouldContain "adapter-disabled policy"
        Files.exists(work.resolve("out-ebft/adapter_model.safetensors")) shouldBe true
    }

    "recipes/ebft-strided.yml: raw text, block-parallel rollouts, RL + CE metrics" {
        val (rows, log) = run("ebft-strided")
        rows.size shouldBe 2
        rows.first().keys shouldContainAll listOf("loss", "grad_norm", "ebft/alignment", "ebft/diversity", "ebft/cfm_loss", "ebft/rl_loss",
            "ebft/ce_loss", "ebft/mean_reward", "ebft/num_blocks", "ebft/advantages_std")
        (rows.first()["ebft/num_blocks"] as Number).toDouble() shouldBe ((rows.first()["ebft/num_blocks"] as Number).toInt()).toDouble()
        log shouldContain "strided mode"
    }

    "the recipe DSL (a small recipes/ebft.main.kts): ebftStrided { } on texts and ebft { } on prompts with ground truths" {
        val s = ebftStrided(model, listOf("the cat sat on the mat and the dog ran", "a bird waited by a tall tree near the river")) {
            ebft { stride = 4; contextLength = 4; generateMaxLen = 4; nSamplesPerPrompt = 2; ceCoef = 0.5 }
            output = work.resolve("out-dsl-strided")
            loop { microBatchSize = 2; maxSteps = 2; progress = false; plots = false }
        }
        s.run.history().first { it.containsKey("loss") }.keys shouldContainAll listOf("ebft/cfm_loss", "ebft/rl_loss", "ebft/ce_loss")
        val words = listOf("abc", "bca", "cab", "dda")
        val t = ebft(model, prompts(model, words.map { mapOf("prompt" to "$it>") }), words.map { "$it!" }) {
            grpo { numGenerations = 4; maxCompletionLength = 4 }
            lora(r = 4, alpha = 8.0)
            output = work.resolve("out-dsl")
            loop { microBatchSize = 8; maxSteps = 2; progress = false; plots = false }
        }
        t.run.lossByStep().size shouldBe 2
        t.run.history().first { it.containsKey("loss") }.keys shouldContainAll listOf("ebft/cfm_loss", "rewards/feature_matching/mean")
    }

    "gradient_checkpointing is read (it was refused as an unknown key: read after the strict-key check)" {
        (bind("ebft-gc", text("ebft-strided") + "gradient_checkpointing: true\n") as EbftConfig).gradientCheckpointing shouldBe true
        (bind("ebft-nogc", text("ebft-strided")) as EbftConfig).gradientCheckpointing shouldBe false
    }

    "errors name the file, the line and the key" {
        val base = text("ebft")
        val strided = text("ebft-strided")
        fun refused(name: String, yaml: String, vararg parts: String) {
            val m = shouldThrow<ConfigException> { bind(name, yaml) }.message!!
            for (p in parts) m shouldContain p
        }
        refused("no-block", base.replace(Regex("(?ms)^ebft:.*?\n\n"), ""), "no-block.yml:", "`ebft` config section is required when `rl: ebft` is set")
        refused("ce", base.replace("  diversity_coef: 1.0\n", "  diversity_coef: 1.0\n  ce_coef: 0.1\n"), "ce.yml:20:", "ebft.ce_coef applies to mode: strided")
        refused("concat", strided.replace("embed_method: mean_pooling", "embed_method: concat"), "concat.yml:15:", "strided mode pools each block by mean_pooling or last_token")
        refused("trl", strided + "trl:\n  num_generations: 4\n", "trl.yml:", "trl.num_generations: strided EBFT does not read the trl: block")
        refused("funcs", base.replace("  num_generations: 8\n", "  num_generations: 8\n  reward_funcs: [rewards.correct]\n"), "funcs.yml:", "trl.reward_funcs: EBFT's only reward is feature matching")
        refused("est", strided.replace("advantage_estimator: rloo", "advantage_estimator: grpo"), "est.yml:22:", "expected rloo, group_norm or reinforce", "fails Axolotl's own schema")
        refused("typo", strided.replace("  stride: 8", "  strid: 8"), "typo.yml:16:", "unknown key `ebft.strid`", "did you mean `stride`")
        refused("adaptive", base.replace("  alignment_coef: 1.0\n", "  alignment_coef: 1.0\n  adaptive_max_tokens: true\n"), "adaptive.yml:", "ebft.adaptive_max_tokens")
        refused("async", base.replace("  num_generations: 8\n", "  num_generations: 8\n  async_prefetch: true\n"), "async.yml:", "trl.async_prefetch: async GRPO rounds are not supported with rl: ebft")
        refused("stream", base.replace("  num_generations: 8\n", "  num_generations: 8\n  streaming_partial_batch: true\n"), "stream.yml:", "trl.streaming_partial_batch: streamed scoring is not supported with rl: ebft")
        refused("rf", base.replace("  num_generations: 8\n", "  num_generations: 8\n  rollout_func: rollouts.fn\n"), "rf.yml:", "trl.rollout_func: rl: ebft samples plain completions")
        refused("n1", strided.replace("n_samples_per_prompt: 4", "n_samples_per_prompt: 1"), "n1.yml:", "does nothing with n_samples_per_prompt: 1")
        refused("layers", strided.replace("feature_layers: [0.25, 0.5, 0.75]", "feature_layers: [0.5, 1.5]"), "layers.yml:", "feature_layers: 1.5 is not a depth fraction")
    }
})
