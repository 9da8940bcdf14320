package dev.lathe.tests.serve

import dev.lathe.engine.remote.RemoteException
import dev.lathe.engine.serve.LatheServer
import dev.lathe.engine.serve.ServedModel
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.train.MetricsLog
import dev.lathe.scripts.cli.GrpoRun
import dev.lathe.scripts.config.ConfigBinder
import dev.lathe.scripts.config.ConfigException
import dev.lathe.scripts.config.GrpoConfig
import dev.lathe.scripts.dsl.tinyModel
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.net.ServerSocket
import java.nio.file.Files
import java.nio.file.Path

/**
 * `trl.use_vllm: true` from YAML: recipes/grpo.yml (LoRA, rewards.kts) generating through a `lathe serve`
 * the test starts, with the adapter synced as files every step, gives the in-process run's rollouts;
 * bad server keys and an absent server are errors naming the file, line, key and host:port.
 */
class VllmGrpoSpec : StringSpec({
    val repo = System.getenv("LATHE_REPO")?.let { Path.of(it) } ?: Path.of("..").toAbsolutePath().normalize()
    val work = Files.createTempDirectory("vllm-grpo")
    Files.copy(repo.resolve("recipes/rewards.kts"), work.resolve("rewards.kts"))
    val model = tinyModel(work.resolve("tiny")) { hidden = 32; layers = 2; heads = 4; kvHeads = 2 }

    fun config(name: String, trlExtra: String): GrpoConfig {
        val text = Files.readString(repo.resolve("recipes/grpo.yml"))
            .replace(Regex("(?m)^base_model: .*$"), "base_model: $model")
            .replace(Regex("(?m)^output_dir: .*$"), "output_dir: ${work.resolve("out-$name")}")
            .replace("path: data/", "path: ${repo.resolve("recipes/data")}/")
            .replace(Regex("(?m)^max_steps: .*$"), "max_steps: 2")
            .replace(Regex("(?m)^  max_completion_length: .*$"), "  max_completion_length: 5")
            .replace(Regex("(?m)^  num_generations: .*$"), "  num_generations: 2")
            .replace(Regex("(?m)^micro_batch_size: .*$"), "micro_batch_size: 4")
            // top_k 1: sampling keeps one token, so both runs must pick the same tokens
            .replace(Regex("(?m)^  temperature: .*$"), "  temperature: 1.0\n  top_k: 1$trlExtra") + "\nsaves_per_epoch: 0\n"
        return ConfigBinder.readAny(work.resolve("$name.yml").also { Files.writeString(it, text) }) as GrpoConfig
    }

    fun rounds(name: String): List<String> = Files.readAllLines(work.resolve("out-$name/completions.jsonl"))

    "GRPO from YAML with use_vllm against `lathe serve` matches the in-process run's rollouts (LoRA synced as files)" {
        GrpoRun.run(config("local", ""), PrintStream(ByteArrayOutputStream()))
        val served = ServedModel.load(model, DType.F32, "tiny", null, 0)
        LatheServer.start(served, LatheServer.Options.defaults().withAddress("127.0.0.1", 0)).use { s ->
            val cfg = config("remote", "\n  use_vllm: true\n  vllm_server_host: 127.0.0.1\n  vllm_server_port: ${s.port()}" +
                "\n  vllm_server_timeout: 30\n  vllm_lora_sync: true" +
                // the in-process run has no sampler/trainer mismatch to correct; without the correction both runs train alike
                "\n  vllm_importance_sampling_correction: false")
            cfg.vllm!!.address shouldBe "127.0.0.1:${s.port()}"
            val log = ByteArrayOutputStream()
            GrpoRun.run(cfg, PrintStream(log))
            log.toString() shouldContain "rollouts: generating through http://127.0.0.1:${s.port()}"
            log.toString() shouldContain "policy v1 synced" // before round 2, after the first optimizer step
            ServeFixtures.get(s.baseUrl(), "/health/").json["lora_int_id"].asInt() shouldBe 1
        }
        val local = rounds("local")
        val remote = rounds("remote")
        local.size shouldBe 2 * 8 // two rounds of 4 prompts x 2 completions
        remote.filter { it.startsWith("{\"round\":1,") } shouldBe local.filter { it.startsWith("{\"round\":1,") }
        remote shouldBe local // the synced adapter gives round 2's rollouts too
        val lm = MetricsLog.read(work.resolve("out-local/metrics.jsonl"))
        val rm = MetricsLog.read(work.resolve("out-remote/metrics.jsonl"))
        rm.map { it["completions/mean_length"] } shouldBe lm.map { it["completions/mean_length"] }
    }

    "bad server keys and an absent server name the file, line, key and host:port" {
        shouldThrow<ConfigException> { config("colo", "\n  use_vllm: true\n  vllm_mode: colocate\n  vllm_lora_sync: true") }.message shouldContain
            "colo.yml:24: trl.vllm_mode: expected server"
        shouldThrow<ConfigException> { config("full", "\n  use_vllm: true") }.message shouldContain
            "full.yml:23: trl.use_vllm with adapter: lora syncs the policy as adapter files: set trl.vllm_lora_sync: true"
        shouldThrow<ConfigException> { config("port", "\n  use_vllm: true\n  vllm_server_port: 70000\n  vllm_lora_sync: true") }.message shouldContain
            "port.yml:24: trl.vllm_server_port: expected a port in 1..65535, found 70000"
        shouldThrow<ConfigException> { config("async", "\n  use_vllm: true\n  async_prefetch: true\n  vllm_lora_sync: true") }.message shouldContain
            "async.yml:24: trl.async_prefetch with trl.use_vllm is not implemented"
        config("off", "\n  vllm_server_port: 9000").warnings.joinToString("\n") shouldContain
            "off.yml:23: trl.vllm_server_port has no effect without trl.use_vllm: true"
        val free = ServerSocket(0).use { it.localPort }
        val cfg = config("absent", "\n  use_vllm: true\n  vllm_server_host: 127.0.0.1\n  vllm_server_port: $free\n  vllm_server_timeout: 1\n  vllm_lora_sync: true")
        val e = shouldThrow<RemoteException> { GrpoRun.run(cfg, PrintStream(ByteArrayOutputStream())) }
        e.message shouldContain "absent.yml:23: trl.use_vllm: generation server 127.0.0.1:$free (trl.vllm_server_host / vllm_server_port"
        e.message shouldContain "was not healthy within 1 s"
    }
})
