package dev.lathe.tests.config

import dev.lathe.engine.align.CpoLoss
import dev.lathe.engine.align.DpoLoss
import dev.lathe.engine.align.KtoLoss
import dev.lathe.engine.align.OrpoLoss
import dev.lathe.engine.align.RewardLoss
import dev.lathe.engine.data.Method
import dev.lathe.engine.train.LrSchedule
import dev.lathe.engine.train.OptimizerSpec
import dev.lathe.scripts.config.ConfigBinder
import dev.lathe.scripts.config.ConfigException
import dev.lathe.engine.train.methods.ReferenceKind
import dev.lathe.scripts.config.TrainConfig
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf
import java.nio.file.Files
import java.nio.file.Path

/** YAML with Axolotl's keys -> typed config; unknown keys fail with file, line and nearest key. */
class ConfigBindingSpec : StringSpec({
    val dir = Files.createTempDirectory("cfg")
    Files.createDirectories(dir.resolve("tiny"))

    fun write(name: String, yaml: String): Path = dir.resolve(name).also { Files.writeString(it, yaml.trimIndent()) }

    fun bind(yaml: String, name: String = "c.yml"): TrainConfig = ConfigBinder.read(write(name, yaml))

    val base = """
        base_model: ./tiny
        datasets:
          - path: pairs.jsonl
            type: chatml.intel
    """.trimIndent()

    "a DPO config binds loop, optimizer, schedule, loss and paths" {
        val c = bind(base + "\n" + """
            rl: dpo
            rl_beta: 0.2
            dpo_loss_type: [sigmoid, sft]
            dpo_loss_weights: [1.0, 0.5]
            micro_batch_size: 4
            gradient_accumulation_steps: 2
            learning_rate: 5e-5
            lr_scheduler: linear
            warmup_ratio: 0.1
            weight_decay: 0.01
            max_steps: 30
            output_dir: ./out
            val_set_size: 0.1
            logging_steps: 5
            save_steps: 10
            bf16: true
        """.trimIndent())
        c.method shouldBe Method.DPO
        c.loss.shouldBeInstanceOf<DpoLoss>()
        c.loop.microBatchSize shouldBe 4
        c.loop.gradientAccumulationSteps shouldBe 2
        c.loop.learningRate shouldBe 5e-5
        c.loop.schedule shouldBe LrSchedule.Linear(LrSchedule.Warmup.ratio(0.1))
        (c.loop.optimizer as OptimizerSpec.AdamW).settings.weightDecay shouldBe 0.01
        c.loop.maxSteps shouldBe 30L
        c.loop.bf16 shouldBe true
        c.loop.saveSteps shouldBe 10L
        c.outputDir shouldBe dir.resolve("out")
        c.baseModel shouldBe dir.resolve("tiny")
        c.data.valSetSize shouldBe 0.1
        c.reference shouldBe ReferenceKind.FROZEN_COPY
        c.warnings shouldHaveSize 0
    }

    "pair layout keys: dpo_padding_free and dpo_shared_prompt bind without a warning; unset sharing is null (the engine's default)" {
        val c = bind("$base\nrl: dpo\ndpo_padding_free: true\ndpo_shared_prompt: false\n")
        c.paddingFree shouldBe true
        c.sharedPrompt shouldBe false
        c.warnings shouldHaveSize 0
        bind("$base\nrl: dpo\n").sharedPrompt shouldBe null
    }

    "an unknown key names file, line and the nearest known key" {
        val e = shouldThrow<ConfigException> { bind("$base\nrl: dpo\nlearning_rat: 0.1\n", "typo.yml") }
        e.message shouldContain "typo.yml:6"
        e.message shouldContain "unknown key `learning_rat`"
        e.message shouldContain "did you mean `learning_rate`"
    }

    "an unknown key inside a dataset entry is reported with its path" {
        val e = shouldThrow<ConfigException> {
            bind("base_model: ./tiny\nrl: dpo\ndatasets:\n  - path: a.jsonl\n    tpye: chatml.intel\n", "ds.yml")
        }
        e.message shouldContain "ds.yml:5"
        e.message shouldContain "`datasets[0].tpye`"
        e.message shouldContain "did you mean `type`"
    }

    "Axolotl keys with no meaning here warn and name the reason" {
        val c = bind("$base\nrl: dpo\ndeepspeed: zero3.json\nflash_attention: true\nload_in_4bit: true\nwandb_project: x\n")
        c.warnings shouldHaveSize 4
        c.warnings[0] shouldContain "`deepspeed` is ignored"
        c.warnings.any { it.contains("flash_attention") && it.contains("c.yml:") } shouldBe true
    }

    "keys that would change results when ignored are refused when switched on" {
        shouldThrow<ConfigException> { bind("$base\nrl: dpo\nfp16: true\n") }.message shouldContain "use bf16: true"
        bind("$base\nrl: dpo\nfp16: false\n").loop.bf16 shouldBe false
    }

    "a wrong value type names the key and what was found" {
        val e = shouldThrow<ConfigException> { bind("$base\nrl: dpo\nmicro_batch_size: many\n", "t.yml") }
        e.message shouldContain "t.yml:6"
        e.message shouldContain "micro_batch_size"
        e.message shouldContain "a whole number"
        e.message shouldContain "'many'"
    }

    "an invalid loss type is reported at its line by the align factory's message" {
        val e = shouldThrow<ConfigException> { bind("$base\nrl: dpo\ndpo_loss_type: [sigmod]\n", "l.yml") }
        e.message shouldContain "l.yml:6"
        e.message shouldContain "did you mean 'sigmoid'"
    }

    "each method maps to its loss class; beta precedence is trl.beta > rl_beta > orpo_alpha" {
        bind("$base\nrl: ipo\n").loss.shouldBeInstanceOf<DpoLoss>()
        bind("$base\nrl: kto\nkto_desirable_weight: 1.5\n").loss.shouldBeInstanceOf<KtoLoss>()
        bind("$base\nrl: simpo\nsimpo_gamma: 0.5\ncpo_alpha: 0\n").loss.shouldBeInstanceOf<CpoLoss>()
        val orpo = bind("$base\nrl: orpo\norpo_alpha: 0.3\nrl_beta: 0.2\ntrl:\n  beta: 0.05\n").loss
        (orpo as OrpoLoss).beta() shouldBe 0.05
        val rm = bind("$base\nreward_model: true\nmodel_type: AutoModelForSequenceClassification\nnum_labels: 1\ncenter_rewards_coefficient: 0.01\n")
        rm.loss.shouldBeInstanceOf<RewardLoss>()
        rm.method shouldBe Method.REWARD_MODEL
        rm.loop.learningRate shouldBe 1e-4
        shouldThrow<ConfigException> { bind("$base\nrl: simpo\n") }.message shouldContain "simpo_gamma"
    }

    "reference choice: adapter-disabled with LoRA, a copy with rl_adapter_ref_model, precomputed, none for reference-free" {
        val lora = "adapter: lora\nlora_r: 4\nlora_alpha: 8\nlora_target_linear: true\n"
        bind("$base\nrl: dpo\n$lora").reference shouldBe ReferenceKind.ADAPTER_DISABLED
        bind("$base\nrl: dpo\n${lora}rl_adapter_ref_model: true\n").reference shouldBe ReferenceKind.FROZEN_COPY
        bind("$base\nrl: dpo\nprecompute_ref_log_probs: true\n").reference shouldBe ReferenceKind.PRECOMPUTED
        bind("$base\nrl: orpo\n").reference shouldBe ReferenceKind.NONE
        bind("$base\nrl: dpo\nreference_free: true\n").reference shouldBe ReferenceKind.NONE
        val tr = bind("$base\nrl: dpo\ntrl:\n  sync_ref_model: true\n  ref_model_mixup_alpha: 0.5\n  ref_model_sync_steps: 4\n")
        tr.refSync!!.alpha shouldBe 0.5
        tr.refSync!!.syncSteps shouldBe 4L
        shouldThrow<ConfigException> { bind("$base\nrl: dpo\n${lora}sync_ref_model: true\n") }.message shouldContain "rl_adapter_ref_model"
    }

    "base_model must be a local folder" {
        shouldThrow<ConfigException> { bind("base_model: meta-llama/Llama-3-8B\nrl: dpo\ndatasets:\n  - path: a.jsonl\n", "m.yml") }
            .message shouldContain "m.yml:1"
    }

    "method keys that do not apply to the method warn" {
        bind("$base\nrl: orpo\nsimpo_gamma: 0.5\n").warnings.single() shouldContain "`simpo_gamma` has no effect with orpo"
    }
})
