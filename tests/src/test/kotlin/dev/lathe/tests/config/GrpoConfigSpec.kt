package dev.lathe.tests.config

import dev.lathe.engine.align.GrpoLoss
import dev.lathe.engine.data.Method
import dev.lathe.engine.train.methods.ReferenceKind
import dev.lathe.scripts.config.ConfigBinder
import dev.lathe.scripts.config.ConfigException
import dev.lathe.scripts.config.GrpoConfig
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files

/** rl: grpo | gdpo from YAML: Axolotl's keys and defaults, GDPO's aggregation, refusals of later work. */
class GrpoConfigSpec : StringSpec({
    val dir = Files.createTempDirectory("grpo-cfg")
    Files.createDirectories(dir.resolve("tiny"))
    var n = 0
    fun bind(yaml: String): GrpoConfig {
        val f = dir.resolve("c${n++}.yml")
        Files.writeString(f, ("base_model: ./tiny\ndatasets:\n  - path: prompts.jsonl\n" + yaml.trimIndent()).trimIndent())
        return ConfigBinder.readAny(f) as GrpoConfig
    }

    "gradient_checkpointing binds (it was refused as an unknown key: read after the strict-key check)" {
        bind("rl: grpo\nmicro_batch_size: 8\ngradient_checkpointing: true\ntrl:\n  reward_funcs: [rewards.correct]").gradientCheckpointing shouldBe true
    }

    "a GRPO config binds every trl key with Axolotl's meaning" {
        val c = bind("""
            rl: grpo
            rl_beta: 0.5
            micro_batch_size: 4
            gradient_accumulation_steps: 2
            adapter: lora
            lora_r: 4
            lora_alpha: 8
            lora_target_linear: true
            trl:
              beta: 0.04
              num_generations: 4
              max_completion_length: 32
              loss_type: bnpo
              epsilon: 0.1
              epsilon_high: 0.28
              delta: 2.0
              scale_rewards: false
              num_iterations: 2
              steps_per_generation: 4
              mask_truncated_completions: true
              importance_sampling_level: sequence
              temperature: 0.7
              top_p: 0.9
              top_k: 20
              min_p: 0.05
              repetition_penalty: 1.1
              generation_kwargs: {stop: ["\n\n"], temperature: 0.8}
              reward_funcs: [rewards.correct]
              reward_weights: [2.0]
              log_completions: true
              num_completions_to_print: 3
        """)
        c.method shouldBe Method.GRPO
        c.loss.type() shouldBe GrpoLoss.Type.BNPO
        c.loss.beta() shouldBe 0.04 // trl.beta wins over rl_beta
        c.loss.epsilonLow() shouldBe 0.1
        c.loss.epsilonHigh() shouldBe 0.28
        c.loss.delta() shouldBe 2.0
        c.loss.level() shouldBe GrpoLoss.Level.SEQUENCE
        c.loss.maxCompletionLength() shouldBe 32
        val s = c.settings
        listOf(s.numGenerations, s.maxCompletionLength, s.numIterations, s.stepsPerGeneration, s.topK) shouldBe listOf(4, 32, 2, 4, 20)
        s.temperature shouldBe 0.8 // generation_kwargs are merged last, as TRL does
        s.stopStrings shouldBe listOf("\n\n")
        s.scaleRewards shouldBe "false"
        s.aggregation shouldBe "sum_then_normalize"
        s.maskTruncatedCompletions shouldBe true
        s.logCompletions shouldBe true
        c.reference shouldBe ReferenceKind.ADAPTER_DISABLED
    }

    "defaults: dapo, beta 0 (no reference), max_completion_length 256 with a warning; rl: gdpo normalises then sums" {
        val c = bind("rl: gdpo\nmicro_batch_size: 8\ntrl:\n  reward_funcs: [rewards.a, rewards.b]")
        c.loss.type() shouldBe GrpoLoss.Type.DAPO
        c.loss.beta() shouldBe 0.0
        c.reference shouldBe ReferenceKind.NONE
        c.settings.maxCompletionLength shouldBe 256
        c.settings.numGenerations shouldBe 8
        c.settings.aggregation shouldBe "normalize_then_sum"
        c.warnings.joinToString() shouldContain "max_completion_length is not set"
        shouldThrow<ConfigException> { bind("rl: gdpo\nmicro_batch_size: 8\ntrl:\n  multi_objective_aggregation: sum_then_normalize\n  reward_funcs: [r.a]") }
            .message shouldContain "rl: gdpo normalises each reward"
    }

    "later work is refused with a message saying so; unknown keys name the nearest" {
        // use_vllm binds (VllmBinding) with TRL's server defaults; VllmGrpoSpec runs it
        bind("rl: grpo\nmicro_batch_size: 8\ntrl:\n  use_vllm: true\n  reward_funcs: [r.a]").vllm!!.let { it.address shouldBe "0.0.0.0:8000"; it.timeoutSeconds shouldBe 240.0; it.syncInterval shouldBe 1 }
        shouldThrow<ConfigException> { bind("rl: grpo\nmicro_batch_size: 8\ntrl:\n  use_liger_loss: true\n  reward_funcs: [r.a]") }.message shouldContain "Liger"
        // rollout_func binds (resolved from env.kts when the run starts: RolloutFuncYamlSpec), also with async rounds
        (bind("rl: grpo\nmicro_batch_size: 8\ntrl:\n  rollout_func: env.run\n  reward_funcs: [r.a]").rolloutFunction != null) shouldBe true
        (bind("rl: grpo\nmicro_batch_size: 8\ntrl:\n  rollout_func: env.run\n  async_prefetch: true\n  reward_funcs: [r.a]").rolloutFunction != null) shouldBe true
        bind("rl: grpo\nmicro_batch_size: 8\ntrl:\n  async_prefetch: true\n  dynamic_sampling_max_attempts: 2\n  reward_funcs: [r.a]").settings.recovery.dynamicSamplingAttempts shouldBe 2
        shouldThrow<ConfigException> { bind("rl: grpo\nmicro_batch_size: 8\nnemo_gym_enabled: true\ntrl:\n  reward_funcs: [r.a]") }.message shouldContain "NeMo Gym"
        bind("rl: grpo\nmicro_batch_size: 8\ntrl:\n  use_vllm: false\n  reward_funcs: [r.a]").method shouldBe Method.GRPO
        shouldThrow<ConfigException> { bind("rl: grpo\nmicro_batch_size: 8\ntrl:\n  num_generation: 4\n  reward_funcs: [r.a]") }.message shouldContain "num_generations"
        shouldThrow<ConfigException> { bind("rl: grpo\nmicro_batch_size: 8\ntrl:\n  loss_type: dapoo\n  reward_funcs: [r.a]") }.message shouldContain "did you mean 'dapo'"
    }

    "the batch geometry is checked at binding, naming the number to change" {
        shouldThrow<ConfigException> { bind("rl: grpo\nmicro_batch_size: 3\ntrl:\n  num_generations: 4\n  reward_funcs: [r.a]") }
            .message shouldContain "gradient_accumulation_steps to a multiple of 4"
        shouldThrow<ConfigException> { bind("rl: grpo\nmicro_batch_size: 2\ntrl:\n  num_generations: 4\n  generation_batch_size: 6\n  reward_funcs: [r.a]") }
            .message shouldContain "generation_batch_size 6 completions per round is not a multiple of num_generations 4"
        shouldThrow<ConfigException> { bind("rl: grpo\nmicro_batch_size: 8\ntrl:\n  sync_ref_model: true\n  reward_funcs: [r.a]") }.message shouldContain "needs beta != 0"
    }

    "zero-variance recovery and reward-call keys bind (RolloutFeaturesBinding); bad values name the key" {
        val c = bind("""
            rl: grpo
            micro_batch_size: 8
            trl:
              num_generations: 4
              reward_funcs: [r.a]
              skip_zero_advantage_batches: true
              replay_buffer_size: 16
              replay_recompute_logps: false
              reroll_start_fraction: 0.5
              reroll_max_groups: 2
              dynamic_sampling_max_attempts: 3
              dynamic_sampling_std_tolerance: 0.001
              reward_num_workers: 6
              reward_timeout: 2.5
        """)
        val r = c.settings.recovery
        listOf(r.skipZeroAdvantageBatches, r.replayBufferSize, r.replayRecomputeLogps, r.rerollStartFraction, r.rerollMaxGroups,
            r.dynamicSamplingAttempts, r.zeroStdTolerance) shouldBe listOf(true, 16, false, 0.5, 2, 3, 0.001)
        c.rewardCalls.rewardWorkers shouldBe 6
        c.rewardCalls.rewardTimeout shouldBe java.time.Duration.ofMillis(2500)
        bind("rl: grpo\nmicro_batch_size: 8\ntrl:\n  reward_funcs: [r.a]").settings.recovery.skipZeroAdvantageBatches shouldBe false
        shouldThrow<ConfigException> { bind("rl: grpo\nmicro_batch_size: 8\ntrl:\n  reroll_start_fraction: 1.5\n  reward_funcs: [r.a]") }
            .message shouldContain "reroll_start_fraction: expected in [0, 1] (1 = off), found 1.5"
        shouldThrow<ConfigException> { bind("rl: grpo\nmicro_batch_size: 8\ntrl:\n  reward_num_workers: 0\n  reward_funcs: [r.a]") }
            .message shouldContain "reward_num_workers"
        // reward_isolation (Lathe's key): worker processes (ProcessRewardSpec, RewardIsolationYamlSpec run them)
        c.rewardCalls.processes shouldBe false
        bind("rl: grpo\nmicro_batch_size: 8\ntrl:\n  reward_isolation: process\n  reward_funcs: [r.a]").let {
            it.rewardCalls.processes shouldBe true
            it.warnings.joinToString() shouldContain "reward_isolation: process without reward_timeout"
        }
        shouldThrow<ConfigException> { bind("rl: grpo\nmicro_batch_size: 8\ntrl:\n  reward_isolation: fork\n  reward_funcs: [r.a]") }
            .message shouldContain "reward_isolation"
        shouldThrow<ConfigException> { bind("rl: grpo\nmicro_batch_size: 8\ntrl:\n  async_prefetch: true\n  replay_buffer_size: 4\n  reward_funcs: [r.a]") }
            .message shouldContain "not implemented with the background producer"
        // streaming binds (StreamingSpec runs it): Axolotl's default chunk is 1 group; the geometry is checked at binding
        bind("rl: grpo\nmicro_batch_size: 8\ntrl:\n  streaming_partial_batch: true\n  reward_funcs: [r.a]").settings.streamingMinGroups shouldBe 1
        bind("rl: grpo\nmicro_batch_size: 8\ntrl:\n  streaming_min_groups: 2\n  reward_funcs: [r.a]").let {
            it.settings.streamingMinGroups shouldBe null
            it.warnings.joinToString() shouldContain "streaming_min_groups has no effect without streaming_partial_batch: true"
        }
        shouldThrow<ConfigException> { bind("rl: grpo\nmicro_batch_size: 8\ntrl:\n  streaming_partial_batch: true\n  streaming_min_groups: 3\n  reward_funcs: [r.a]") }
            .message shouldContain "streaming_min_groups: a round has 1 prompts, which do not split into chunks of 3 groups"
    }
})
