package dev.lathe.tests.methods

import dev.lathe.engine.train.MetricsLog
import dev.lathe.scripts.cli.ConfigRun
import dev.lathe.scripts.config.ConfigBinder
import dev.lathe.scripts.dsl.tinyModel
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.collections.shouldContainAll
import io.kotest.matchers.shouldBe
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path

/**
 * Each method trains a tiny model for a few steps from a YAML config (the committed recipes/<method>.yml,
 * pointed at a fresh tiny model) and writes metrics under TRL's names.
 */
class MethodYamlSpec : StringSpec({
    val repo = System.getenv("LATHE_REPO")?.let { Path.of(it) } ?: Path.of("..").toAbsolutePath().normalize()
    val work = Files.createTempDirectory("methods")
    System.setProperty("lathe.cache", work.resolve("cache").toString())
    val model = tinyModel(work.resolve("tiny")) { hidden = 32; layers = 2; heads = 4; kvHeads = 2 }

    /** recipes/NAME.yml with base_model, dataset paths and the run length rewritten for the test. */
    fun run(name: String): List<Map<String, Any>> {
        val text = Files.readString(repo.resolve("recipes/$name.yml"))
            .replace(Regex("(?m)^base_model: .*$"), "base_model: $model")
            .replace(Regex("(?m)^output_dir: .*$"), "output_dir: ${work.resolve("out-$name")}")
            .replace("path: data/", "path: ${repo.resolve("recipes/data")}/")
            // a key given twice is an error, so the run-length keys are replaced, not appended
            .replace(Regex("(?m)^(num_epochs|max_steps|logging_steps|saves_per_epoch): .*\n?"), "") +
            "\nmax_steps: 3\nlogging_steps: 1\nsaves_per_epoch: 0\n"
        val cfg = work.resolve("$name.yml").also { Files.writeString(it, text) }
        val out = ByteArrayOutputStream()
        ConfigRun.run(ConfigBinder.read(cfg), PrintStream(out))
        val dir = work.resolve("out-$name")
        Files.exists(dir.resolve("config.yml")) shouldBe true
        return MetricsLog.read(dir.resolve("metrics.jsonl"))
    }

    fun keys(rows: List<Map<String, Any>>) = rows.first { it.containsKey("loss") }.keys

    val pairMetrics = listOf("loss", "grad_norm", "learning_rate", "rewards/chosen", "rewards/rejected", "rewards/accuracies",
        "rewards/margins", "logps/chosen", "logps/rejected", "logits/chosen", "logits/rejected")

    "rl: dpo (LoRA, adapter-disabled reference) writes a PEFT adapter and DPO metrics" {
        keys(run("dpo")) shouldContainAll pairMetrics
        Files.exists(work.resolve("out-dpo/adapter_model.safetensors")) shouldBe true
    }

    "rl: ipo" { keys(run("ipo")) shouldContainAll pairMetrics }

    "rl: orpo writes nll_loss and the odds-ratio metrics" {
        keys(run("orpo")) shouldContainAll pairMetrics + listOf("nll_loss", "log_odds_ratio", "log_odds_chosen")
    }

    "rl: simpo" { keys(run("simpo")) shouldContainAll pairMetrics + "nll_loss" }

    "rl: kto writes KTO's reduced metrics" {
        keys(run("kto")) shouldContainAll listOf("loss", "kl", "rewards/chosen", "rewards/rejected", "logps/chosen", "logps/rejected")
    }

    "reward_model: true writes a sequence-classification folder and reward metrics" {
        keys(run("reward")) shouldContainAll listOf("loss", "accuracy", "margin", "min_reward", "mean_reward", "max_reward")
        Files.readString(work.resolve("out-reward/config.json")) shouldContainSubstring "LlamaForSequenceClassification"
    }

    "TR-DPO (full fine-tune, frozen copy synced every step) and precomputed reference log-probs" {
        keys(run("dpo-trdpo")) shouldContainAll pairMetrics
        keys(run("dpo-precompute")) shouldContainAll pairMetrics
    }
})

private infix fun String.shouldContainSubstring(s: String) = (this.contains(s)) shouldBe true
