package dev.lathe.tests.serve

import dev.lathe.engine.data.GrpoPrompt
import dev.lathe.engine.generate.Generator
import dev.lathe.engine.generate.Sampling
import dev.lathe.engine.model.ModelInit
import dev.lathe.engine.model.Models
import dev.lathe.engine.remote.gym.NemoGymAgents
import dev.lathe.engine.remote.gym.NemoGymRollouts
import dev.lathe.engine.remote.gym.NemoGymRows
import dev.lathe.engine.serve.LatheServer
import dev.lathe.engine.serve.ResponsesPrompt
import dev.lathe.engine.serve.ServedModel
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.text.ChatTemplates
import dev.lathe.engine.text.HfTokenizer
import dev.lathe.engine.train.grpo.GrpoBatch
import dev.lathe.engine.train.grpo.RolloutRow
import dev.lathe.scripts.dsl.tinyModel
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.time.Duration
import java.util.concurrent.CopyOnWriteArrayList

/**
 * NeMo Gym multi-turn rollouts against the trainer's live policy: a stub simple agent makes two model calls per episode
 * (POST /v1/responses on a server over the in-process model, a tool result between them). Greedy, the episode's
 * generated tokens are what in-process generation gives on the same prompts; the tool tokens carry env mask 0 and
 * log-prob 0 and get no loss; between rounds the server refuses generation; failing agents give unscored samples.
 */
class NemoGymRolloutsSpec : StringSpec({
    val work = Files.createTempDirectory("gym-rollouts")
    val dir = tinyModel(work.resolve("tiny")) { hidden = 32; layers = 2; heads = 4; kvHeads = 2 }
    Scope.open().use { Models.loadCausalLM(dir, DType.F32).use { m -> ModelInit.randomize(m, 5, 0.3); Models.save(m, dir) } } // well-separated greedy choices
    val tool = ServeFixtures.json.writeValueAsString(mapOf("city" to "sf", "weather" to "sunny"))
    val rowLine = """{"responses_create_params": {"input": [{"role": "user", "content": "what's it like in sf?"}]}, "answer": "%s", "agent_ref": {"type": "responses_api_agents", "name": "weather"}}"""

    fun rows(vararg answers: String) = NemoGymRows.load(listOf(NemoGymRows.Entry(Files.writeString(Files.createTempFile(work, "rows", ".jsonl"),
        answers.joinToString("\n") { rowLine.format(it) } + "\n").toString(), "weather", null)), work, 1)

    "greedy two-turn episodes through the live policy: generated ids match in-process generation, tool tokens masked from the loss, paused between rounds" {
        Scope.open().use {
            Models.loadCausalLM(dir, DType.F32).use { m ->
                HfTokenizer.load(dir).use { tok ->
                    val template = ChatTemplates.select("chatml", null, tok)
                    val eos = tok.tokenToId(tok.eosToken())
                    val server = LatheServer.start(ServedModel.live(m, tok, template, mapOf(), "policy", 256), LatheServer.Options.defaults().withAddress("127.0.0.1", 0))
                    server.use {
                        server.pauseGeneration()
                        val calls = CopyOnWriteArrayList<com.fasterxml.jackson.databind.JsonNode>()
                        GymStub.resources().use { rs ->
                            GymStub.simpleAgent(rs.url, { server.baseUrl() }, 2, calls).use { agent ->
                                val row = rows("x")[0]
                                val params = ServeFixtures.json.readTree(row["verify_extra"] as String)["responses_create_params"]
                                val ids = ResponsesPrompt(tok, template, mapOf()).encode(params, tok.vocabSize())
                                tok.decode(ids, false) shouldBe "<|im_start|>user\nwhat's it like in sf?<|im_end|>\n<|im_start|>assistant\n"
                                val prompt = GrpoPrompt(tok.decode(ids, false), ids, row, "row 0")
                                val log = ByteArrayOutputStream()
                                val fn = NemoGymRollouts(NemoGymAgents(mapOf("weather" to agent.url), Duration.ofSeconds(60), 8), NemoGymRollouts.Window.of(server),
                                    5, 0.0, 1.0, eos, PrintStream(log, true))
                                val out = fn.run(listOf(prompt, prompt), null)
                                out.size shouldBe 2
                                out[1].completionIds().toList() shouldBe out[0].completionIds().toList() // greedy
                                val r = out[0]
                                r.extra()["num_turns"] shouldBe 2
                                r.promptIds().toList() shouldBe ids.toList()

                                // turn 1: what in-process greedy generation gives on the dataset prompt
                                val gen = Generator(m, tok, eos.toLong())
                                val t1 = gen.generate(listOf(ids), Sampling.greedy(5, setOf(eos)))[0]
                                val n1 = t1.tokens().size
                                r.completionIds().take(n1) shouldBe t1.tokens().toList()
                                // then what the template adds around the tool's answer (an <|im_end|> first when turn 1 was cut short)
                                val n2 = r.envMask().drop(n1).takeWhile { it == 0 }.size
                                val glue = r.completionIds().drop(n1).take(n2).toIntArray()
                                val cut = t1.tokens().last() != eos
                                tok.decode(glue, false) shouldBe (if (cut) "<|im_end|>" else "") + "\n<|im_start|>tool\n$tool<|im_end|>\n<|im_start|>assistant\n"
                                // turn 2: greedy generation on everything so far
                                val ctx2 = ids + r.completionIds().take(n1 + n2).toIntArray()
                                val t2 = gen.generate(listOf(ctx2), Sampling.greedy(5, setOf(eos)))[0]
                                r.completionIds().drop(n1 + n2) shouldBe t2.tokens().toList()
                                r.envMask().toList() shouldBe List(n1) { 1 } + List(n2) { 0 } + List(t2.tokens().size) { 1 }
                                // sampler log-probs on generated tokens (the in-process ones), 0 on the environment's
                                val expected = t1.logprobs().toList() + List(n2) { 0f } + t2.logprobs().toList()
                                r.logprobs().zip(expected).forEach { (a, b) -> a.toDouble() shouldBe (b.toDouble() plusOrMinus 1e-3) }
                                // the agent's model calls reported exactly these ids
                                calls.size shouldBe 4 // two episodes (run concurrently) of two calls
                                val (first, second) = calls.partition { it["output"].last()["prompt_token_ids"].size() == ids.size }
                                first.size shouldBe 2
                                first.forEach { ServeFixtures.ints(it["output"].last()["generation_token_ids"]) shouldBe t1.tokens().toList() }
                                second.forEach { ServeFixtures.ints(it["output"].last()["prompt_token_ids"]) shouldBe ctx2.toList() }
                                // the reward is the resources server's /verify answer (words of the first message), not recomputed
                                val firstText = first[0]["output"][0]["content"][0]["text"].asText()
                                (r.extra()["env_reward"] as Double) shouldBe GymStub.wordScore(firstText)

                                // the GRPO batch trains on generated tokens only: loss mask = env mask, every token real
                                val row0 = RolloutRow(0, r.completionIds(), false, 1.0, null, null, null, r.logprobs(), 0, r.envMask())
                                val b = GrpoBatch.of(listOf(row0), listOf(prompt), eos.toLong(), false, null, mapOf(), false)
                                b.lossMask().toFloatArray().map { it.toInt() } shouldBe r.envMask().toList()
                                b.real().toFloatArray().all { it == 1f } shouldBe true
                                GrpoBatch.lossTokens(listOf(row0), false) shouldBe (n1 + t2.tokens().size).toLong()
                                // and the GRPO loss over that mask sends no gradient to a tool token's log-prob, some to every generated one
                                val c = r.completionIds().size
                                val leaf = dev.lathe.engine.tensor.Tensors.of(DoubleArray(c) { -0.5 - 0.01 * it }, 1, c.toLong()).requiresGrad_(true)
                                val loss = dev.lathe.engine.align.Losses.grpo().build().compute(dev.lathe.engine.align.GrpoInputs(leaf, null, null,
                                    dev.lathe.engine.tensor.Tensors.of(doubleArrayOf(1.0)), b.lossMask().to(dev.lathe.engine.tensor.DType.F64), null,
                                    dev.lathe.engine.align.GrpoInputs.Window.single(1, GrpoBatch.lossTokens(listOf(row0), false))))
                                loss.loss().backward()
                                leaf.grad()!!.toDoubleArray().map { it != 0.0 } shouldBe r.envMask().map { it == 1 }

                                // between rounds the live policy serves nothing (the trainer may be stepping)
                                val refused = ServeFixtures.post(server.baseUrl(), "/v1/responses", mapOf("input" to "hi", "max_output_tokens" to 2))
                                refused.status shouldBe 503
                                refused.headers["retry-after"] shouldBe listOf("1")
                                // and no route may change the trainer's weights
                                for ((path, body) in listOf("/set_lora_adapter/" to mapOf("lora_name" to "a", "lora_path" to work.toString()),
                                    "/clear_lora_adapter/" to mapOf<String, Any>())) {
                                    val r409 = ServeFixtures.post(server.baseUrl(), path, body)
                                    r409.status shouldBe 409
                                    r409.json["error"]["message"].asText() shouldContain "live policy"
                                }
                                log.toString() shouldBe ""
                                // an agent that prompts its first call otherwise than the dataset prompt says: unscored, not misaligned
                                val other = GrpoPrompt("p", ids.copyOfRange(1, ids.size), row, "row 1")
                                val mismatch = fn.run(listOf(other), null)[0]
                                mismatch.extra()["env_reward"] shouldBe null
                                mismatch.envMask().toList() shouldBe listOf(0)
                                log.toString() shouldContain "not the dataset prompt's ${ids.size - 1} (they differ from token 0)"
                            }
                        }
                    }
                    // the trainer's model outlives its server (closing it freed nothing of the trainer's)
                    Generator(m, tok, eos.toLong()).generate(listOf(intArrayOf(1, 2)), Sampling.greedy(2, setOf(eos))).size shouldBe 1
                }
            }
        }
    }

    "a failing agent (unknown, 500, junk, timed out, its model server down) marks its samples unscored, logged with the reason; never 0" {
        GymStub.resources().use { rs ->
            GymStub.simpleAgent(rs.url, { "http://127.0.0.1:1" }).use { agent ->
                val rs3 = rows("FAIL", "JUNK", "x", "SLOW")
                val log = ByteArrayOutputStream()
                var opened = 0
                var closed = 0
                val window = object : NemoGymRollouts.Window {
                    override fun open() { opened++ }
                    override fun close() { closed++ }
                }
                val eos = 7
                // nemo_gym_run_timeout 1 s: the SLOW agent's episode times out
                val fn = NemoGymRollouts(NemoGymAgents(mapOf("weather" to agent.url), Duration.ofSeconds(1), 4), window, 4, 1.0, 1.0, eos, PrintStream(log, true))
                val prompts = rs3.mapIndexed { i, r -> GrpoPrompt("p", intArrayOf(1, 2, 3), r, "row $i") }
                val gone = rs3[0] + ("verify_extra" to (rs3[0]["verify_extra"] as String).replace("\"name\": \"weather\"", "\"name\": \"gone\""))
                val down = GrpoPrompt("p", intArrayOf(1, 2, 3), gone, "row 4")
                val out = fn.run(prompts + down, null)
                (opened to closed) shouldBe (1 to 1)
                out.size shouldBe 5
                for (r in out) {
                    r.completionIds().toList() shouldBe listOf(eos)
                    r.envMask().toList() shouldBe listOf(0)
                    r.extra()["env_reward"] shouldBe null
                    (r.extra()["nemo_gym_error"] as String).isNotEmpty() shouldBe true
                }
                fn.failures() shouldBe 5
                fn.roundMetrics() shouldBe mapOf("nemo_gym/failed" to 5.0)
                val text = log.toString()
                text shouldContain "HTTP 500"
                text shouldContain "ConnectException" // the agent could not reach its model server
                text shouldContain "no agent server named 'gone'"
                text shouldContain "did not answer within 1.0 s"
                text.lines().count { it.contains("failed, unscored") } shouldBe 5
                NemoGymRollouts.envReward().perSample().score(dev.lathe.engine.reward.Sample(0, 0, 0, "p", "", intArrayOf(1), intArrayOf(eos),
                    out[0].extra(), false)) shouldBe null
            }
        }
    }
})
