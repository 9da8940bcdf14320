package dev.lathe.tests.serve

import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.node.ObjectNode
import dev.lathe.engine.text.HfTokenizer
import dev.lathe.engine.train.MetricsLog
import dev.lathe.scripts.cli.GrpoRun
import dev.lathe.scripts.config.ConfigBinder
import dev.lathe.scripts.config.GrpoConfig
import dev.lathe.scripts.dsl.tinyModel
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.net.ServerSocket
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.CopyOnWriteArrayList

/**
 * recipes/nemo-gym-multi-turn.yml from YAML against loopback stubs of a head server, a resources server and a simple
 * agent whose two model calls per episode (a tool result between them) reach the trainer's own policy server:
 * the run trains, logs the episodes' rewards, counts failing agents as unscored, and every model call after the first
 * extends the previous call's prompt + generation token for token.
 */
class NemoGymMultiTurnYamlSpec : StringSpec({
    val work = Files.createTempDirectory("gym-multi")
    val model = tinyModel(work.resolve("tiny")) { hidden = 32; layers = 2; heads = 4; kvHeads = 2 }

    // the resources server's reward: a function of every token the policy generated in the episode
    fun score(response: JsonNode): Double = response["output"].sumOf { o -> o["generation_token_ids"]?.sumOf { it.asInt() } ?: 0 } % 7 / 6.0
    val tool = ServeFixtures.json.writeValueAsString(mapOf("city" to "sf", "weather" to "sunny"))

    "recipes/nemo-gym-multi-turn.yml: multi-turn GRPO through an agent's /run calling the live policy; rewards logged, failing agents unscored" {
        val policyPort = ServerSocket(0).use { it.localPort }
        val policyUrl = "http://127.0.0.1:$policyPort"
        val rs = GymStub(mapOf(
            "/seed_session" to { _ -> 200 to mapOf<String, Any>() },
            "/get_weather" to { b -> 200 to mapOf("city" to b["city"].asText(), "weather" to "sunny") },
            "/verify" to { b ->
                val problem = GymStub.verifySchemaProblem(b)
                if (problem != null) 422 to mapOf("detail" to problem) else 200 to (b as ObjectNode).deepCopy().put("reward", score(b["response"]))
            },
            "/" to { _ -> 200 to mapOf("status" to "ok") },
        ))
        val calls = CopyOnWriteArrayList<JsonNode>()
        val agent = GymStub.simpleAgent(rs.url, { policyUrl }, 2, calls)
        val rsPort = rs.url.substringAfterLast(':')
        val agentPort = agent.url.substringAfterLast(':')
        val globalConfig = """
            head_server: {host: 127.0.0.1, port: 0}
            weather:
              resources_servers:
                weather: {entrypoint: app.py, domain: agent, host: 127.0.0.1, port: $rsPort}
            weather_simple_agent:
              responses_api_agents:
                simple_agent: {entrypoint: app.py, host: 0.0.0.0, port: $agentPort, resources_server: {type: resources_servers, name: weather}}
        """.trimIndent() + "\n"
        val head = GymStub(mapOf("/global_config_dict_yaml" to { _ -> 200 to ServeFixtures.json.writeValueAsString(globalConfig) }))
        try {
            val gym = Files.createDirectories(work.resolve("Gym/data"))
            // two good rows, one whose agent crashes (500) and one whose agent answers junk: one epoch = 2 rounds of 2 prompts
            val rows = listOf("sf" to "x", "nyc" to "x", "la" to "FAIL", "rome" to "JUNK")
            Files.writeString(gym.resolve("weather.jsonl"), rows.joinToString("\n") { (city, answer) ->
                """{"responses_create_params": {"input": [{"role": "developer", "content": "Be brief."}, {"role": "user", "content": "what's it like in $city?"}], """ +
                    """"tools": [{"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}, "strict": true}]}, """ +
                    """"answer": "$answer", "agent_ref": {"type": "responses_api_agents", "name": "weather_simple_agent"}}"""
            } + "\n")
            val repo = System.getenv("LATHE_REPO")?.let { Path.of(it) } ?: Path.of("..").toAbsolutePath().normalize()
            val yaml = Files.readString(repo.resolve("recipes/nemo-gym-multi-turn.yml"))
                .replace(Regex("(?m)^base_model: .*$"), "base_model: $model")
                .replace(Regex("(?m)^output_dir: .*$"), "output_dir: ${work.resolve("out")}")
                .replace(Regex("(?m)^nemo_gym_dir: .*$"), "nemo_gym_dir: ${work.resolve("Gym")}")
                .replace(Regex("(?m)^nemo_gym_head_port: .*$"), "nemo_gym_head_port: ${head.url.substringAfterLast(':')}")
                .replace(Regex("(?m)^nemo_gym_model_server_port: .*$"), "nemo_gym_model_server_port: $policyPort")
                .replace(Regex("(?m)^  - path: resources_servers/.*$"), "  - path: data/weather.jsonl")
                .replace(Regex("(?m)^max_steps: .*$"), "max_steps: 2")
                .replace(Regex("(?m)^  max_completion_length: .*$"), "  max_completion_length: 6") + "saves_per_epoch: 0\n" // no datasets: nemo_gym_datasets replace it
            val cfg = ConfigBinder.readAny(work.resolve("gym.yml").also { Files.writeString(it, yaml) }) as GrpoConfig
            cfg.nemoGym!!.multiTurn shouldBe true
            val out = ByteArrayOutputStream()
            GrpoRun.run(cfg, PrintStream(out, true))
            val log = out.toString()
            log shouldContain "nemo_gym: 4 multi-turn prompts"
            log shouldContain "at $policyUrl"

            val steps = MetricsLog.read(work.resolve("out/metrics.jsonl")).filter { it.containsKey("loss") }
            steps.size shouldBe 2
            val done = Files.readAllLines(work.resolve("out/completions.jsonl")).map { ServeFixtures.json.readTree(it) }
            done.size shouldBe 2 * 8
            // the failing agents' episodes are unscored (null, counted), named in the log with their reason; never 0
            val failing = done.filter { it["prompt"].asText().contains("la?") || it["prompt"].asText().contains("rome?") }
            failing.size shouldBe 8
            failing.all { it["rewards"]["nemo_gym"].isNull && it["completion"].asText() == "" } shouldBe true
            steps.sumOf { (it["rewards/nemo_gym/unscored"] as Number).toInt() } shouldBe 8
            steps.sumOf { (it["nemo_gym/failed"] as Number).toInt() } shouldBe 8
            steps.filter { it.containsKey("nemo_gym/num_turns/mean") }.forEach { (it["nemo_gym/num_turns/max"] as Number).toInt() shouldBe 2 }
            log shouldContain "HTTP 500"
            log shouldContain "failed, unscored"
            // every good episode's reward is the resources server's score of what the policy generated in it, as /verify saw it
            val good = done - failing.toSet()
            val verified = rs.requests.filter { it.first == "/verify" }.map { it.second }
            verified.size shouldBe 8
            verified.all { GymStub.verifySchemaProblem(it) == null } shouldBe true
            good.map { it["rewards"]["nemo_gym"].asDouble() }.sorted() shouldBe verified.map { score(it["response"]) }.sorted()
            for ((i, step) in steps.withIndex()) {
                val scored = done.filter { it["round"].asInt() == i + 1 && !it["rewards"]["nemo_gym"].isNull }.map { it["rewards"]["nemo_gym"].asDouble() }
                if (scored.isNotEmpty()) (step["rewards/nemo_gym/mean"] as Number).toDouble() shouldBe (scored.average() plusOrMinus 1e-6)
            }
            // each good completion holds both turns with the tool's answer between them (environment tokens, masked)
            good.all { it["completion"].asText().contains(tool) } shouldBe true

            // the model calls: 2 per good episode; the first is prompted with the dataset prompt as GRPO encodes it (developer ->
            // system, chatml), the second extends the first's prompt + generation token for token
            calls.size shouldBe 16
            HfTokenizer.load(model).use { tok ->
                var firsts = 0
                for (c in calls) {
                    val last = c["output"].last()
                    val prompt = ServeFixtures.ints(last["prompt_token_ids"])
                    val text = tok.decode(prompt.toIntArray(), false)
                    if (text.contains("<|im_start|>tool")) {
                        val prev = calls.map { it["output"].last() }.single { p ->
                            val pre = ServeFixtures.ints(p["prompt_token_ids"]) + ServeFixtures.ints(p["generation_token_ids"])
                            !tok.decode(pre.toIntArray(), false).contains("<|im_start|>tool") && prompt.take(pre.size) == pre && prompt.size > pre.size
                        }
                        tok.decode(prompt.drop(ServeFixtures.ints(prev["prompt_token_ids"]).size + prev["generation_token_ids"].size()).toIntArray(), false) shouldContain tool
                    } else {
                        val city = Regex("in (\\w+)\\?").find(text)!!.groupValues[1]
                        text shouldBe "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nwhat's it like in $city?<|im_end|>\n<|im_start|>assistant\n"
                        firsts++
                    }
                }
                firsts shouldBe 8
            }
            // it trained on the episodes' rewards
            (steps.maxOf { (it["grad_norm"] as Number).toDouble() } > 0.0) shouldBe true
        } finally {
            head.close(); agent.close(); rs.close()
        }
    }
})
