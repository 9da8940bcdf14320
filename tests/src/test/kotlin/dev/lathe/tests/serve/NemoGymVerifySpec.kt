package dev.lathe.tests.serve

import dev.lathe.engine.remote.gym.NemoGymRows
import dev.lathe.engine.remote.gym.NemoGymVerifier
import dev.lathe.engine.reward.CheckedRewardRunner
import dev.lathe.engine.reward.RewardOptions
import dev.lathe.engine.reward.Sample
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.ints.shouldBeGreaterThanOrEqual
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.time.Duration

/**
 * NeMo Gym single-turn rewards (ebft-nemogym.md §B.7) against a loopback resources server that checks the
 * documented /verify schema: concurrent calls over reused connections, the documented request body, and every
 * kind of failed call leaving its sample unscored and counted (NaN in the table, never 0, never a crash).
 */
class NemoGymVerifySpec : StringSpec({
    val dir = Files.createDirectories(ServeFixtures.root.resolve("gym-verify"))

    fun rows(lines: List<String>, server: String = "reasoning_gym"): List<Map<String, Any>> {
        val f = Files.createTempFile(dir, "rows", ".jsonl")
        Files.writeString(f, lines.joinToString("\n") + "\n")
        return NemoGymRows.load(listOf(NemoGymRows.Entry(f.toString(), server, null)), dir, 1).sortedBy { it["task_prompt"] as String }
    }

    fun row(q: String, answer: String) =
        """{"responses_create_params": {"input": [{"role": "user", "content": "$q"}]}, "question": "$q", "answer": "$answer", "metadata": {"source_dataset": "arith", "difficulty": {"n": 2}}, "unused": null}"""

    // G samples per row, in the runner's layout (group-major)
    fun samples(rs: List<Map<String, Any>>, completions: List<List<String>>): List<Sample> =
        rs.flatMapIndexed { gi, r -> completions[gi].mapIndexed { m, c -> Sample(gi * completions[gi].size + m, gi, m, "p", c, IntArray(0), IntArray(0), r, false) } }

    fun extracted(text: String) = Regex("<answer>(.*?)</answer>").find(text)?.groupValues?.get(1)?.trim() ?: text.trim()

    "concurrent /verify over reused connections: the documented request, the server's rewards" {
        GymStub.strictResources(delayMs = 300) { req, text -> if (extracted(text) == req["answer"].asText()) 1.0 else 0.0 }.use { rs ->
            val rs2 = rows(listOf(row("What is 2+2?", "4"), row("What is 3*3?", "9")))
            val comps = listOf(listOf("<answer>4</answer>", "<answer>5</answer>", "4", "four"), listOf("<answer>9</answer>", "9", "nine", "<answer> 9 </answer>"))
            val ver = NemoGymVerifier(mapOf("reasoning_gym" to rs.url + "/verify"), "tiny", Duration.ofSeconds(10), 64, PrintStream(ByteArrayOutputStream()))
            CheckedRewardRunner(listOf(ver.reward()), RewardOptions.defaults().withWorkers(2)).use { runner ->
                val s = samples(rs2, comps)
                val t = runner.score(s, 4)
                t.values().map { it[0] } shouldBe listOf(1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0)
                t.nulls()[0] shouldBe 0
                t.failures()[0] shouldBe 0
                rs.maxConcurrent.get() shouldBeGreaterThanOrEqual 4 // a group's calls are in flight together
                val portsAfterOne = rs.clientPorts.size
                runner.score(s, 4).values().map { it[0] } shouldBe listOf(1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0)
                rs.requests.count { it.first == "/verify" } shouldBe 16
                // 16 calls, but the second round opened no new connections beyond the first round's
                rs.clientPorts.size shouldBeLessThanOrEqual portsAfterOne
                portsAfterOne shouldBeLessThanOrEqual 8
            }
            ver.failures() shouldBe 0
            // the body: the row's own fields (null ones dropped) and responses_create_params, plus the answer as a Response
            val body = rs.requests.first { it.second["response"]["output"][0]["content"][0]["text"].asText() == "<answer>5</answer>" }.second
            body["question"].asText() shouldBe "What is 2+2?"
            body["metadata"]["difficulty"]["n"].asInt() shouldBe 2
            body.has("unused") shouldBe false
            body["responses_create_params"]["input"][0]["content"].asText() shouldBe "What is 2+2?"
            body["response"]["model"].asText() shouldBe "tiny"
            body["response"]["object"].asText() shouldBe "response"
            body["response"]["output"][0]["role"].asText() shouldBe "assistant"
            GymStub.verifySchemaProblem(body) shouldBe null
        }
    }

    "a failed, slow, malformed or unroutable /verify leaves that sample unscored and counted, never 0, never a crash" {
        GymStub.strictResources { _, _ -> 0.75 }.use { rs ->
            val ok = rows(listOf(row("q ok", "x"), row("q fail", "FAIL"), row("q slow", "SLOW"), row("q junk", "JUNK"), row("q noreward", "NOREWARD")))
            val lost = rows(listOf(row("q lost", "x")), server = "nowhere")
            val all = ok + lost // sorted: fail, junk, noreward, ok, slow; then lost
            val out = ByteArrayOutputStream()
            val ver = NemoGymVerifier(mapOf("reasoning_gym" to rs.url + "/verify"), "tiny", Duration.ofMillis(500), 64, PrintStream(out, true))
            CheckedRewardRunner(listOf(ver.reward()), RewardOptions.defaults().withWorkers(2)).use { runner ->
                val t0 = System.nanoTime()
                val t = runner.score(samples(all, all.map { listOf("<answer>x</answer>") }), 1)
                val seconds = (System.nanoTime() - t0) / 1e9
                t.values().map { it[0] }.map { if (it.isNaN()) "NaN" else it.toString() } shouldBe listOf("NaN", "NaN", "NaN", "0.75", "NaN", "NaN")
                t.nulls()[0] shouldBe 5
                (seconds < 2.9) shouldBe true // the slow call was cut at the 0.5 s timeout, not waited out (3 s)
            }
            ver.failures() shouldBe 5
            val log = out.toString()
            log shouldContain "HTTP 500: {\"detail\":\"judge crashed\"}"
            log shouldContain "did not answer within 0.5 s"
            log shouldContain "not JSON"
            log shouldContain "no finite numeric 'reward'"
            log shouldContain "no resources server named 'nowhere'"
            log shouldContain "(sample left unscored)"
        }
    }
})
