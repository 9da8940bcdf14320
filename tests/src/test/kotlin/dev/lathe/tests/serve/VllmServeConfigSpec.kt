package dev.lathe.tests.serve

import dev.lathe.engine.tensor.DType
import dev.lathe.scripts.cli.VllmServeCommand
import dev.lathe.scripts.config.ConfigException
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files

/** `lathe vllm-serve CONFIG.yml` reads base_model, lora_model_dir and the vllm: block as `axolotl vllm-serve` does. */
class VllmServeConfigSpec : StringSpec({
    val dir = ServeFixtures.root.resolve("vllm-config")
    fun write(text: String) = dir.resolve("config.yml").also { Files.createDirectories(dir); Files.writeString(it, text) }

    "base_model, the adapter and vllm.{host, port, dtype, max_model_len}; GPU-only keys warn" {
        ServeFixtures.ensure()
        val cfg = write("""
            base_model: ../model
            lora_model_dir: ../adapter-a
            rl: grpo
            learning_rate: 1e-6
            trl:
              use_vllm: true
            vllm:
              host: 127.0.0.1
              port: 8123
              dtype: bfloat16
              max_model_len: 128
              gpu_memory_utilization: 0.85
              tensor_parallel_size: 1
        """.trimIndent())
        val s = VllmServeCommand.read(cfg)
        s.baseModel shouldBe ServeFixtures.model.toAbsolutePath().normalize()
        s.adapter shouldBe ServeFixtures.adapterA.toAbsolutePath().normalize()
        s.host shouldBe "127.0.0.1"
        s.port shouldBe 8123
        s.dtype shouldBe DType.BF16
        s.maxModelLen shouldBe 128
        s.warnings.single() shouldContain "vllm.gpu_memory_utilization"
        VllmServeCommand.read(write("base_model: ../model\n")).let { it.host shouldBe "0.0.0.0"; it.port shouldBe 8000; it.dtype shouldBe DType.F32 }
    }

    "more than one process, unknown vllm keys and missing folders are errors naming file, line and key" {
        ServeFixtures.ensure()
        shouldThrow<ConfigException> { VllmServeCommand.read(write("base_model: ../model\nvllm:\n  data_parallel_size: 2\n")) }
            .message shouldContain "config.yml:3: key `vllm.data_parallel_size`: Lathe serves from one process"
        shouldThrow<ConfigException> { VllmServeCommand.read(write("base_model: ../model\nvllm:\n  prot: 9000\n")) }
            .message shouldContain "unknown key `vllm.prot` (did you mean `port`?)"
        shouldThrow<ConfigException> { VllmServeCommand.read(write("base_model: ../nowhere\n")) }.message shouldContain "key `base_model`: no folder"
    }
})
