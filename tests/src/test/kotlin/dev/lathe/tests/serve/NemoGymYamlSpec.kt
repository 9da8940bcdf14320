package dev.lathe.tests.serve

import dev.lathe.engine.train.MetricsLog
import dev.lathe.scripts.cli.GrpoRun
import dev.lathe.scripts.config.ConfigBinder
import dev.lathe.scripts.config.GrpoConfig
import dev.lathe.scripts.dsl.tinyModel
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files

/**
 * A single-turn NeMo Gym GRPO run from YAML (plugins: [NemoGymPlugin], nemo_gym_* keys) against loopback stubs of a
 * head server and a resources server with the documented schemas: discovery through the head, prompts from
 * nemo_gym_datasets, rewards from /verify, logged per completion and per step; a row whose /verify fails is
 * unscored and counted in the step's metrics, and the run goes on.
 */
class NemoGymYamlSpec : StringSpec({
    val work = Files.createTempDirectory("gym-grpo")
    val model = tinyModel(work.resolve("tiny")) { hidden = 32; layers = 2; heads = 4; kvHeads = 2 }

    // the resources server's score, computed again below from the logged completions
    fun score(text: String): Double = (text.length % 4) / 3.0

    "recipes/nemo-gym.yml: single-turn NeMo Gym GRPO from YAML: discovery, /verify rewards trained on and logged, a failing row counted as unscored" {
        GymStub.strictResources { _, text -> score(text) }.use { rs ->
            val port = rs.url.substringAfterLast(':').toInt()
            val globalConfig = "head_server: {host: 127.0.0.1, port: 0}\nreasoning_gym:\n  resources_servers:\n" +
                "    reasoning_gym: {entrypoint: app.py, domain: math, host: 0.0.0.0, port: $port}\n"
            GymStub(mapOf("/global_config_dict_yaml" to { _ -> 200 to ServeFixtures.json.writeValueAsString(globalConfig) })).use { head ->
                val gym = Files.createDirectories(work.resolve("Gym/data"))
                val questions = (1..7).map { "add $it and $it" } + "broken judge"
                Files.writeString(gym.resolve("train.jsonl"), questions.joinToString("\n") { q ->
                    """{"responses_create_params": {"input": [{"role": "user", "content": "$q"}]}, "question": "$q", "answer": "${if (q == "broken judge") "FAIL" else "x"}"}"""
                } + "\n")
                // recipes/nemo-gym.yml, pointed at the stubs and the tiny model
                val repo = System.getenv("LATHE_REPO")?.let { java.nio.file.Path.of(it) } ?: java.nio.file.Path.of("..").toAbsolutePath().normalize()
                val yaml = Files.readString(repo.resolve("recipes/nemo-gym.yml"))
                    .replace(Regex("(?m)^base_model: .*$"), "base_model: $model")
                    .replace(Regex("(?m)^output_dir: .*$"), "output_dir: ${work.resolve("out")}")
                    .replace(Regex("(?m)^nemo_gym_dir: .*$"), "nemo_gym_dir: ${work.resolve("Gym")}")
                    .replace(Regex("(?m)^nemo_gym_head_port: .*$"), "nemo_gym_head_port: ${head.url.substringAfterLast(':')}")
                    .replace(Regex("(?m)^  - path: resources_servers/.*$"), "  - path: data/train.jsonl")
                    .replace(Regex("(?m)^max_steps: .*$"), "max_steps: 3")
                    .replace(Regex("(?m)^  max_completion_length: .*$"), "  max_completion_length: 6") +
                    "saves_per_epoch: 0\ndatasets:\n  - path: unused.jsonl\n"
                val cfg = ConfigBinder.readAny(work.resolve("gym.yml").also { Files.writeString(it, yaml) }) as GrpoConfig
                cfg.warnings.joinToString("\n") shouldContain "datasets: is not used"
                cfg.nemoGym!!.datasets.single().serverName() shouldBe "reasoning_gym"
                val out = ByteArrayOutputStream()
                GrpoRun.run(cfg, PrintStream(out, true))
                val log = out.toString()
                log shouldContain "nemo_gym: 8 prompts from 1 dataset(s)"

                val steps = MetricsLog.read(work.resolve("out/metrics.jsonl")).filter { it.containsKey("loss") }
                steps.size shouldBe 3
                val done = Files.readAllLines(work.resolve("out/completions.jsonl")).map { ServeFixtures.json.readTree(it) }
                done.size shouldBe 3 * 8
                for ((i, step) in steps.withIndex()) {
                    val round = done.filter { it["round"].asInt() == i + 1 }
                    round.size shouldBe 8
                    // every logged reward is the resources server's score of that completion; the failing row's are null
                    for (c in round) {
                        if (c["prompt"].asText().contains("broken judge")) c["rewards"]["nemo_gym"].isNull shouldBe true
                        else c["rewards"]["nemo_gym"].asDouble() shouldBe (score(c["completion"].asText()) plusOrMinus 1e-9)
                    }
                    val scored = round.filter { !it["rewards"]["nemo_gym"].isNull }.map { it["rewards"]["nemo_gym"].asDouble() }
                    (step["rewards/nemo_gym/mean"] as Number).toDouble() shouldBe (scored.average() plusOrMinus 1e-6)
                    (step["rewards/nemo_gym/unscored"] as Number).toInt() shouldBe round.count { it["prompt"].asText().contains("broken judge") }
                }
                steps.sumOf { (it["rewards/nemo_gym/unscored"] as Number).toInt() } shouldBeGreaterThan 0 // the failing row was drawn
                // one /verify per completion, each schema-valid (a 422 would have been unscored); the failing row is named once in the log
                rs.requests.count { it.first == "/verify" } shouldBe 3 * 8
                rs.requests.filter { it.first == "/verify" }.all { GymStub.verifySchemaProblem(it.second) == null } shouldBe true
                log shouldContain "HTTP 500"
                // it trained: some step had a non-zero gradient from the /verify rewards
                (steps.maxOf { (it["grad_norm"] as Number).toDouble() } > 0.0) shouldBe true
            }
        }
    }
})
