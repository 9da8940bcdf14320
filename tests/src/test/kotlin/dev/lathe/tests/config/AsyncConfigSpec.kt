package dev.lathe.tests.config

import dev.lathe.engine.align.ImportanceSampling
import dev.lathe.scripts.config.ConfigBinder
import dev.lathe.scripts.config.ConfigException
import dev.lathe.scripts.config.GrpoConfig
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files

/** The async-GRPO keys of `trl:` (AsyncBinding): producer, staleness, IS correction, off-policy masking. */
class AsyncConfigSpec : StringSpec({
    val dir = Files.createTempDirectory("async-cfg")
    Files.createDirectories(dir.resolve("tiny"))
    var n = 0
    fun bind(trl: String): GrpoConfig {
        val f = dir.resolve("c${n++}.yml")
        Files.writeString(f, "base_model: ./tiny\ndatasets:\n  - path: prompts.jsonl\nrl: grpo\nmicro_batch_size: 8\ntrl:\n  reward_funcs: [r.a]\n" +
            "  max_completion_length: 16\n" + trl.trimIndent().lines().joinToString("\n") { "  $it" })
        return ConfigBinder.readAny(f) as GrpoConfig
    }

    "async_prefetch binds the producer and turns the correction on with Axolotl's async defaults (token_truncate, cap 3)" {
        val c = bind("""
            use_data_producer: true
            async_prefetch: true
            prefetch_depth: 2
            vllm_sync_interval: 3
            max_staleness: 4
            off_policy_mask_threshold: 0.5
        """)
        c.settings.async!!.prefetchDepth() shouldBe 2
        c.settings.async!!.syncInterval() shouldBe 3
        c.settings.async!!.maxStaleness() shouldBe 4
        c.loss.importanceSampling() shouldBe ImportanceSampling(ImportanceSampling.Mode.TOKEN_TRUNCATE, null, 3.0)
        c.loss.offPolicyMaskThreshold() shouldBe 0.5
    }

    "mode, cap and TRL's clip_min/clip_max are read; contradictions and bad values name the key" {
        val c = bind("async_prefetch: true\nvllm_importance_sampling_mode: sequence_mask\nvllm_importance_sampling_clip_max: 2.0\nvllm_importance_sampling_clip_min: 0.5")
        c.loss.importanceSampling() shouldBe ImportanceSampling(ImportanceSampling.Mode.SEQUENCE_MASK, 0.5, 2.0)
        bind("async_prefetch: true\nvllm_importance_sampling_correction: false").loss.importanceSampling().shouldBeNull()
        shouldThrow<ConfigException> { bind("async_prefetch: true\nvllm_importance_sampling_mode: token_trunc") }.message.let {
            it shouldContain "c3.yml:"
            it shouldContain "vllm_importance_sampling_mode"
            it shouldContain "did you mean 'token_truncate'"
        }
        shouldThrow<ConfigException> { bind("async_prefetch: true\nvllm_importance_sampling_cap: 2.0\nvllm_importance_sampling_clip_max: 3.0") }
            .message shouldContain "name the same bound"
        shouldThrow<ConfigException> { bind("async_prefetch: true\nvllm_importance_sampling_clip_min: 4.0") }
            .message shouldContain "vllm_importance_sampling_clip_min: expected below the cap 3.0"
        shouldThrow<ConfigException> { bind("async_prefetch: true\nprefetch_depth: 0") }.message shouldContain "prefetch_depth: expected >= 1"
        shouldThrow<ConfigException> { bind("async_prefetch: true\nvllm_sync_interval: 4\nmax_staleness: 1") }.message shouldContain "max_staleness"
    }

    "without async_prefetch the rounds stay synchronous and the async-only keys warn that they do nothing" {
        val c = bind("use_data_producer: true\nprefetch_depth: 2\nvllm_importance_sampling_mode: token_mask")
        c.settings.async.shouldBeNull()
        c.loss.importanceSampling().shouldBeNull()
        val w = c.warnings.joinToString("\n")
        w shouldContain "use_data_producer without async_prefetch"
        w shouldContain "prefetch_depth has no effect without async_prefetch"
        w shouldContain "vllm_importance_sampling_mode has no effect here"
        bind("off_policy_mask_threshold: 0.3").loss.offPolicyMaskThreshold() shouldBe 0.3 // OPSM also acts on synchronous rounds
    }
})
