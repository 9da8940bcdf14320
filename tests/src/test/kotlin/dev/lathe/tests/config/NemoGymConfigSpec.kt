package dev.lathe.tests.config

import dev.lathe.scripts.cli.NemoGymDiscovery
import dev.lathe.scripts.config.ConfigBinder
import dev.lathe.scripts.config.ConfigException
import dev.lathe.scripts.config.GrpoConfig
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration

/** The NeMo Gym plugin's YAML keys (ebft-nemogym.md §B.5), strictly, and discovery of servers from the head's global config (§B.2). */
class NemoGymConfigSpec : StringSpec({
    val dir = Files.createTempDirectory("gym-cfg")
    Files.createDirectories(dir.resolve("tiny"))
    var n = 0
    fun file(yaml: String): Path = dir.resolve("c${n++}.yml").also {
        Files.writeString(it, "base_model: ./tiny\nrl: grpo\ndatasets:\n  - path: prompts.jsonl\nmicro_batch_size: 4\ntrl:\n  num_generations: 4\n  max_completion_length: 8\n" + yaml.trimIndent() + "\n")
    }
    fun bind(yaml: String) = ConfigBinder.readAny(file(yaml)) as GrpoConfig
    fun error(yaml: String): String = shouldThrow<ConfigException> { bind(yaml) }.message!!
    val plugin = "plugins:\n  - axolotl.integrations.nemo_gym.NemoGymPlugin\n"
    val sets = "nemo_gym_datasets:\n  - path: data/train.jsonl\n    server_name: reasoning_gym\n"

    "the plugin and nemo_gym_* keys bind with Axolotl's defaults; ~ expands; relative folders follow the config" {
        val c = bind(plugin + sets + "nemo_gym_dir: ~/Gym\nnemo_gym_auto_start: false\nnemo_gym_verify_timeout: 12\n")
        val g = c.nemoGym!!
        g.gymDir shouldBe Path.of(System.getProperty("user.home"), "Gym")
        g.headPort shouldBe 11000
        g.verifyTimeout shouldBe Duration.ofSeconds(12)
        g.serverTimeout shouldBe Duration.ofSeconds(360)
        g.runTimeout shouldBe Duration.ofSeconds(300)
        g.autoStart shouldBe false
        g.modelName shouldBe "./tiny"
        g.datasets.single().path() shouldBe "data/train.jsonl"
        g.datasets.single().serverName() shouldBe "reasoning_gym"
        g.datasets.single().maxSamples() shouldBe null
        val d = bind(plugin + "nemo_gym_dir: gym\nnemo_gym_head_port: 12000\nnemo_gym_model_name: m\n" +
            "nemo_gym_datasets:\n  - path: a.jsonl\n    max_samples: 5\n").nemoGym!!
        d.gymDir shouldBe dir.resolve("gym").toAbsolutePath().normalize()
        d.headPort shouldBe 12000
        d.modelName shouldBe "m"
        d.datasets.single().maxSamples() shouldBe 5
        bind(plugin + sets + "nemo_gym_enabled: false\n").nemoGym shouldBe null
        bind("").nemoGym shouldBe null
    }

    "bad NeMo Gym config: clear errors naming the file, line and key" {
        error(plugin + sets + "nemo_gym_verify_timout: 5\n").let {
            it shouldContain ".yml:"
            it shouldContain "unknown NeMo Gym key `nemo_gym_verify_timout` (did you mean `nemo_gym_verify_timeout`?)"
        }
        error(sets) shouldContain "`nemo_gym_datasets` needs the NeMo Gym plugin: add `plugins: [axolotl.integrations.nemo_gym.NemoGymPlugin]`"
        error(plugin) shouldContain "needs `nemo_gym_datasets`"
        error(plugin + "nemo_gym_datasets:\n  - path: a.jsonl\n    sever_name: x\n") shouldContain "unknown key `nemo_gym_datasets[0].sever_name`"
        error(plugin + "nemo_gym_datasets:\n  - server_name: x\n") shouldContain "`nemo_gym_datasets[0]` needs a `path`"
        error(plugin + sets + "nemo_gym_head_port: 99999\n") shouldContain "nemo_gym_head_port`: expected a TCP port in 1..65535"
        error(plugin + sets + "nemo_gym_head_port: eleven\n") shouldContain "expected a whole number, found"
        error(plugin + sets + "nemo_gym_verify_timeout: 0\n") shouldContain "nemo_gym_verify_timeout`: expected a positive number of seconds"
        error(plugin + sets + "nemo_gym_datasets_extra: 1\n") shouldContain "unknown NeMo Gym key `nemo_gym_datasets_extra`"
    }

    "multi-turn: the policy server's place binds; keys that do not fit multi-turn are refused with the reason" {
        val m = bind(plugin + sets + "nemo_gym_multi_turn: true\nnemo_gym_model_server_port: 8123\nnemo_gym_run_timeout: 20\n").nemoGym!!
        m.multiTurn shouldBe true
        m.modelServerPort shouldBe 8123
        m.modelServerHost shouldBe "127.0.0.1"
        m.runTimeout shouldBe Duration.ofSeconds(20)
        bind(plugin + sets + "nemo_gym_multi_turn: true\n").nemoGym!!.modelServerPort shouldBe 0
        bind(plugin + sets).nemoGym!!.multiTurn shouldBe false
        error(plugin + sets + "nemo_gym_model_server_port: 8000\n") shouldContain "it needs nemo_gym_multi_turn: true"
        error(plugin + sets + "nemo_gym_multi_turn: true\nnemo_gym_model_server_port: 70000\n") shouldContain "expected a TCP port in 0..65535"
        val verify = "  reward_funcs:\n    - axolotl.integrations.nemo_gym.rewards.reward_nemo_gym_verify\n"
        val env = "  reward_funcs:\n    - axolotl.integrations.nemo_gym.rewards.reward_env\n"
        shouldThrow<ConfigException> { ConfigBinder.readAny(dir.resolve("mv.yml").also { Files.writeString(it, "base_model: ./tiny\nrl: grpo\n" +
            "datasets:\n  - path: prompts.jsonl\nmicro_batch_size: 4\ntrl:\n  num_generations: 4\n  max_completion_length: 8\n" + verify + plugin + sets +
            "nemo_gym_multi_turn: true\n") }) }.message!! shouldContain "with nemo_gym_multi_turn the agent verifies each episode"
        shouldThrow<ConfigException> { ConfigBinder.readAny(dir.resolve("se.yml").also { Files.writeString(it, "base_model: ./tiny\nrl: grpo\n" +
            "datasets:\n  - path: prompts.jsonl\nmicro_batch_size: 4\ntrl:\n  num_generations: 4\n  max_completion_length: 8\n" + env + plugin + sets) }) }
            .message!! shouldContain "is the multi-turn (agent /run) reward"
        shouldThrow<ConfigException> { ConfigBinder.readAny(dir.resolve("vl.yml").also { Files.writeString(it, "base_model: ./tiny\nrl: grpo\n" +
            "datasets:\n  - path: prompts.jsonl\nmicro_batch_size: 4\ntrl:\n  num_generations: 4\n  max_completion_length: 8\n  use_vllm: true\n" + plugin + sets +
            "nemo_gym_multi_turn: true\n") }) }.message!! shouldContain "remove trl.use_vllm"
        shouldThrow<ConfigException> { ConfigBinder.readAny(dir.resolve("ap.yml").also { Files.writeString(it, "base_model: ./tiny\nrl: grpo\n" +
            "datasets:\n  - path: prompts.jsonl\nmicro_batch_size: 4\ntrl:\n  num_generations: 4\n  max_completion_length: 8\n  async_prefetch: true\n" + plugin + sets +
            "nemo_gym_multi_turn: true\n") }) }.message!! shouldContain "remove async_prefetch"
        shouldThrow<ConfigException> { ConfigBinder.readAny(dir.resolve("rf.yml").also { Files.writeString(it, "base_model: ./tiny\nrl: grpo\n" +
            "datasets:\n  - path: prompts.jsonl\nmicro_batch_size: 4\ntrl:\n  num_generations: 4\n  max_completion_length: 8\n  rollout_func: rollouts.fn\n" + plugin + sets +
            "nemo_gym_multi_turn: true\n") }) }.message!! shouldContain "the NeMo Gym agents make the rollouts"
    }

    "discovery: the head's JSON string of YAML -> /verify URLs by top-level and inner name, agents by top-level name" {
        val yaml = """
            head_server: {host: 127.0.0.1, port: 11000}
            reasoning_gym:
              resources_servers:
                reasoning_gym: {entrypoint: app.py, host: 0.0.0.0, port: 13201}
            math_env:
              resources_servers:
                math_inner: {entrypoint: app.py, host: 127.0.0.2, port: 13202}
            policy_model:
              responses_api_models:
                vllm_model: {entrypoint: app.py, base_url: "http://localhost:8000/v1", host: 127.0.0.1, port: 15544}
            weather_agent:
              responses_api_agents:
                simple_agent: {entrypoint: app.py, host: 127.0.0.1, port: 17012, resources_server: {type: resources_servers, name: reasoning_gym}}
        """.trimIndent()
        val body = com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(yaml) // FastAPI returns the YAML as a JSON string
        val s = NemoGymDiscovery.parse(body, "head")
        s.verifyUrls shouldBe mapOf("reasoning_gym" to "http://127.0.0.1:13201/verify", "math_env" to "http://127.0.0.2:13202/verify",
            "math_inner" to "http://127.0.0.2:13202/verify")
        s.agents shouldBe mapOf("weather_agent" to "http://127.0.0.1:17012")
        shouldThrow<IllegalArgumentException> { NemoGymDiscovery.parse("\"rs:\\n  resources_servers:\\n    rs: {host: h}\\n\"", "head") }
            .message shouldContain "resources server rs.resources_servers.rs has no port"
    }
})
