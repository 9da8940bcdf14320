package dev.lathe.tests.train

import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.nn.LoraSpec
import dev.lathe.engine.train.MetricsLog
import dev.lathe.scripts.cli.ConfigRun
import dev.lathe.scripts.config.ConfigBinder
import dev.lathe.scripts.dsl.tinyModel
import dev.lathe.tests.cli.LatheProcess
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path

/**
 * The same config and seed give bit-identical losses and weights: twice in this JVM and once in a
 * fresh JVM (`lathe train`), for full fine-tuning and for LoRA with dropout. A fresh JVM matters:
 * immutable Java maps iterate in an order salted per JVM start, which once decided the order in
 * which LoRA adapters were initialised from the generator.
 */
class ReproducibilitySpec : StringSpec({
    val repo = repoRoot()
    val work = Files.createTempDirectory("repro")
    val model = tinyModel(work.resolve("tiny")) { hidden = 32; layers = 2; heads = 4; kvHeads = 2 }

    fun config(name: String, lora: Boolean): Path {
        val adapter = if (lora) "adapter: lora\nlora_r: 4\nlora_alpha: 8\nlora_dropout: 0.1\nlora_target_linear: true\n" else ""
        val text = """
            base_model: $model
            rl: dpo
            rl_beta: 0.1
            datasets:
              - path: ${repo.resolve("recipes/data/echo_pairs.jsonl")}
                type: chatml.intel
            val_set_size: 0.125
            sequence_len: 64
            micro_batch_size: 4
            max_steps: 3
            learning_rate: 1e-3
            logging_steps: 1
            saves_per_epoch: 0
            seed: 7
            output_dir: ${work.resolve("out-$name")}
        """.trimIndent() + "\n" + adapter
        return work.resolve("$name.yml").also { Files.writeString(it, text) }
    }

    fun weightsFile(name: String, lora: Boolean): Path =
        work.resolve("out-$name").resolve(if (lora) "adapter_model.safetensors" else "model.safetensors")

    fun losses(name: String): List<Any?> = MetricsLog.read(work.resolve("out-$name/metrics.jsonl"))
        .filter { it.containsKey("grad_norm") }.map { listOf(it["loss"], it["grad_norm"]) }

    fun inProcess(name: String, lora: Boolean) {
        ConfigRun.run(ConfigBinder.read(config(name, lora)), PrintStream(ByteArrayOutputStream()))
    }

    fun check(kind: String, lora: Boolean) {
        inProcess("$kind-a", lora)
        inProcess("$kind-b", lora)
        val child = LatheProcess.run("train", config("$kind-c", lora).toString())
        child.exitCode shouldBe 0
        val reference = losses("$kind-a")
        reference shouldHaveSize 3
        losses("$kind-b") shouldBe reference
        losses("$kind-c") shouldBe reference
        val bytes = Files.readAllBytes(weightsFile("$kind-a", lora))
        Files.readAllBytes(weightsFile("$kind-b", lora)).contentEquals(bytes) shouldBe true
        Files.readAllBytes(weightsFile("$kind-c", lora)).contentEquals(bytes) shouldBe true
    }

    "full fine-tuning: same config and seed, same losses and weights, in this JVM and a fresh one" {
        check("full", lora = false)
    }

    "LoRA with dropout: same config and seed, same losses and adapter, in this JVM and a fresh one" {
        check("lora", lora = true)
        // the adapters did train: B moved away from its zero init
        Files.size(weightsFile("lora-a", true)) shouldNotBe 0L
    }

    "a module's children iterate in registration order (the order LoRA initialises adapters in)" {
        CausalLM(MethodFixtures.spec()).use { m ->
            val attn = m.namedModules()["model.layers.0.self_attn"]!!
            attn.children().keys.toList() shouldBe listOf("q_proj", "k_proj", "v_proj", "o_proj")
            // inject's own walk: the adapters come back (and were initialised) in that order
            m.addLora(LoraSpec(2, 4.0, 0.0, emptyList(), true, false)).keys.filter { it.startsWith("model.layers.0.") } shouldBe
                listOf("q_proj", "k_proj", "v_proj", "o_proj").map { "model.layers.0.self_attn.$it" } +
                listOf("gate_proj", "up_proj", "down_proj").map { "model.layers.0.mlp.$it" }
        }
    }
})
