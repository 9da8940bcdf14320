package dev.lathe.tests.methods

import dev.lathe.engine.train.MetricsLog
import dev.lathe.scripts.cli.GrpoRun
import dev.lathe.scripts.config.ConfigBinder
import dev.lathe.scripts.config.GrpoConfig
import dev.lathe.engine.reward.Reward
import dev.lathe.scripts.dsl.grpo
import dev.lathe.scripts.dsl.load
import dev.lathe.scripts.dsl.prompts
import dev.lathe.scripts.dsl.rewardStats
import dev.lathe.scripts.dsl.tinyModel
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.collections.shouldContainAll
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path

/**
 * The committed recipes/grpo.yml, grpo-async.yml, grpo-rollout.yml and gdpo.yml (with recipes/rewards.kts and
 * rollouts.kts beside them) run a few
 * steps on a fresh tiny model: message prompts through the chat template, Kotlin rewards named from YAML,
 * TRL's metric names, completions.jsonl, plots.
 */
class GrpoYamlSpec : StringSpec({
    val repo = System.getenv("LATHE_REPO")?.let { Path.of(it) } ?: Path.of("..").toAbsolutePath().normalize()
    val work = Files.createTempDirectory("grpo-yaml")
    Files.copy(repo.resolve("recipes/rewards.kts"), work.resolve("rewards.kts"))
    Files.copy(repo.resolve("recipes/rollouts.kts"), work.resolve("rollouts.kts"))
    val model = tinyModel(work.resolve("tiny")) { hidden = 32; layers = 2; heads = 4; kvHeads = 2 }

    fun run(name: String): Pair<List<Map<String, Any>>, String> {
        val text = Files.readString(repo.resolve("recipes/$name.yml"))
            .replace(Regex("(?m)^base_model: .*$"), "base_model: $model")
            .replace(Regex("(?m)^output_dir: .*$"), "output_dir: ${work.resolve("out-$name")}")
            .replace("path: data/", "path: ${repo.resolve("recipes/data")}/")
            .replace(Regex("(?m)^max_steps: .*$"), "max_steps: 2")
            .replace(Regex("(?m)^  max_completion_length: .*$"), "  max_completion_length: 6") + "\nsaves_per_epoch: 0\n"
        val cfg = ConfigBinder.readAny(work.resolve("$name.yml").also { Files.writeString(it, text) }) as GrpoConfig
        val out = ByteArrayOutputStream()
        GrpoRun.run(cfg, PrintStream(out))
        return MetricsLog.read(work.resolve("out-$name/metrics.jsonl")) to out.toString()
    }

    "recipes/grpo.yml: LoRA, k3 KL to the adapter-disabled policy, rewards.kts, completions.jsonl" {
        val (rows, log) = run("grpo")
        rows.first().keys shouldContainAll listOf("loss", "reward", "reward_std", "rewards/correct/mean", "kl", "entropy",
            "completions/mean_length", "clip_ratio/region_mean", "frac_reward_zero_std", "num_tokens")
        Files.readAllLines(work.resolve("out-grpo/completions.jsonl")).size shouldBe 2 * 32
        Files.exists(work.resolve("out-grpo/adapter_model.safetensors")) shouldBe true
        Files.exists(work.resolve("out-grpo/plots/reward.png")) shouldBe true
        log shouldContain "<|im_start|>user\\necho " // the chat template rendered the message prompt
    }

    "recipes/grpo-async.yml: the producer runs ahead on a snapshot, rounds carry their version, the correction logs its ratios" {
        val (rows, log) = run("grpo-async")
        log shouldContain "grpo: async rollouts from round 0 (weights v0), prefetch_depth 1, vllm_sync_interval 1, staleness bound 1 update(s)"
        rows.map { (it["async/staleness"] as Number).toDouble() } shouldBe listOf(0.0, 1.0)
        rows.first().keys shouldContainAll listOf("sampling/importance_sampling_ratio/mean", "sampling/raw_importance_sampling_ratio/max",
            "sampling/importance_sampling_ratio/truncated_frac", "off_policy_mask/masked_frac", "async/policy_version")
        Files.readAllLines(work.resolve("out-grpo-async/completions.jsonl")).size shouldBe 2 * 32 // only the rounds trained
    }

    "recipes/grpo-rollout.yml: a two-turn rollout function from rollouts.kts, the checker's reply in the completion, its reward on the extra fields" {
        val (rows, _) = run("grpo-rollout")
        rows.size shouldBe 2
        rows.first().keys shouldContainAll listOf("rewards/solved/mean", "rewards/solved/unscored", "kl", "completions/mean_length")
        rows.forEach { (it["rewards/solved/unscored"] as Number).toDouble() shouldBe 0.0 } // every sample had `first` and `second`
        val lines = Files.readAllLines(work.resolve("out-grpo-rollout/completions.jsonl"))
        lines.size shouldBe 2 * 32
        // every completion carries the checker's reply between the two turns
        lines.forEach { l -> (l.contains("right.") || l.contains("wrong, again:")) shouldBe true }
    }

    "the recipe DSL (a small recipes/grpo.main.kts): prompts, inline rewards, grpo { }, rewardStats" {
        val words = listOf("abc", "bca", "cab", "dda", "ead", "fgh", "hgf", "bbd")
        val ps = prompts(model, words.map { mapOf("prompt" to "$it>", "word" to it) })
        ps[0].row()["word"] shouldBe "abc"
        val correct = Reward.of("correct", 2.0) { s -> if (s.completion() == "${s.row()["word"]}!") 1.0 else 0.0 }
        val trained = grpo(model, ps) {
            reward(correct)
            reward("format") { s -> if (s.completion().endsWith("!")) 1.0 else 0.0 }
            grpo { numGenerations = 4; maxCompletionLength = 6 }
            beta = 0.04
            lora(r = 4, alpha = 8.0)
            output = work.resolve("out-dsl")
            loop { microBatchSize = 8; maxSteps = 2; progress = false; plots = false }
        }
        trained.run.lossByStep().size shouldBe 2
        Files.exists(work.resolve("out-dsl/adapter_model.safetensors")) shouldBe true
        val stats = load(trained).use { rewardStats(it, model, ps.take(2), listOf(correct), samples = 2, maxNewTokens = 6) }
        stats.keys shouldBe setOf("correct", "reward")
    }

    "GRPO evaluates held-out prompts: val_set_size prompts sampled num_generations_eval times, scored, logged as eval_*" {
        val dir = Files.createDirectories(work.resolve("eval"))
        // a reward that is the completion's token count: eval_reward must equal eval_completions/mean_length,
        // which is computed on a separate path (the completion statistics, not the reward runner)
        Files.writeString(dir.resolve("r.kts"), "fun tokens(s: Sample): Double = s.completionIds().size.toDouble()\n" +
            "fun to_prompt(row: Map<String, Any?>): Map<String, Any?> = row + mapOf(\"prompt\" to \"echo \" + row[\"word\"])\n")
        val yaml = """
            base_model: $model
            rl: grpo
            datasets:
              - path: ${repo.resolve("recipes/data/echo_words.jsonl")}
                type: r.to_prompt
            val_set_size: 0.25
            eval_steps: 1
            trl:
              reward_funcs: [r.tokens]
              num_generations: 4
              num_generations_eval: 1
              max_completion_length: 5
            micro_batch_size: 8
            max_steps: 2
            saves_per_epoch: 0
            output_dir: ${dir.resolve("out")}
        """.trimIndent()
        val cfg = ConfigBinder.readAny(dir.resolve("c.yml").also { Files.writeString(it, yaml) }) as GrpoConfig
        GrpoRun.run(cfg, PrintStream(ByteArrayOutputStream()))
        val evals = MetricsLog.read(dir.resolve("out/metrics.jsonl")).filter { it.containsKey("eval_reward") }
        evals.map { (it["step"] as Number).toLong() } shouldBe listOf(1L, 2L)
        for (e in evals) {
            (e["eval_reward"] as Number).toDouble() shouldBe ((e["eval_completions/mean_length"] as Number).toDouble() plusOrMinus 1e-9)
            (e["eval_rewards/tokens/mean"] as Number).toDouble() shouldBe ((e["eval_reward"] as Number).toDouble() plusOrMinus 1e-9)
            (e.containsKey("eval_loss")) shouldBe false
        }
        // an eval set with early stopping is refused: GRPO's eval has no loss to watch
        val stop = dir.resolve("stop.yml").also { Files.writeString(it, yaml + "\nearly_stopping_patience: 2\n") }
        io.kotest.assertions.throwables.shouldThrow<dev.lathe.scripts.config.ConfigException> { ConfigBinder.readAny(stop) }
            .message!! shouldContain "early_stopping_patience watches eval_loss"
    }

    "recipes/gdpo.yml: two rewards normalised separately, no reference" {
        val (rows, _) = run("gdpo")
        rows.first().keys shouldContainAll listOf("rewards/correct/mean", "rewards/length/mean", "reward")
        (rows.first().containsKey("kl")) shouldBe false
    }
})
