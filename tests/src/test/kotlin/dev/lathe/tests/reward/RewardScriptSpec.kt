package dev.lathe.tests.reward

import dev.lathe.engine.data.DataWarnings
import dev.lathe.engine.data.DatasetPipeline
import dev.lathe.engine.reward.CheckedRewardRunner
import dev.lathe.engine.reward.RewardOptions
import dev.lathe.scripts.config.ConfigException
import dev.lathe.scripts.config.ConfigNode
import dev.lathe.scripts.config.DataBinding
import dev.lathe.scripts.config.RewardBinding
import dev.lathe.scripts.config.YamlDoc
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.engine.spec.tempdir
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.File
import java.nio.file.Path

/** rewards.kts named from YAML: lookup by name, signature checks, weights, transforms (docs/rewards.md). */
class RewardScriptSpec : FunSpec({
    val dir = tempdir()
    File(dir, "rewards.kts").writeText("""
        // reward functions and a dataset transform, as a user writes them
        fun correct(s: Sample): Double? = s.row["answer"]?.let { if (s.completion.trim() == it.toString()) 1.0 else 0.0 }
        fun short(s: Sample): Double = -s.completionIds.size.toDouble()
        fun ranked(group: List<Sample>): List<Double?> = group.map { s -> group.count { it.completion.length < s.completion.length }.toDouble() }
        val boxed = Builtins.answerMatch("answer")
        fun explode(s: Sample): Double? = throw IllegalStateException("no verifier for " + s.completion)
        fun wrongType(s: Sample): Int = 1
        fun twoArgs(s: Sample, k: Int): Double = 0.0
        fun to_prompt(row: Map<String, Any?>): Map<String, Any?> =
            mapOf("prompt" to listOf(mapOf("role" to "user", "content" to row["question"])), "answer" to row["answer"].toString().substringAfter("#### "))
        private fun helper() = 1
    """.trimIndent())
    File(dir, "broken.kts").writeText("fun f(s: Sample): Double? = 1.0\nval x: Int = \"text\"\n")

    fun trl(yaml: String): Pair<Path, ConfigNode> {
        val f = File(dir, "grpo.yml").toPath()
        val doc = YamlDoc.parse(f, "rl: grpo\ntrl:\n" + yaml.trimIndent().prependIndent("  ") + "\n")
        return f to ConfigNode(doc, "", doc.root).obj("trl")!!
    }
    fun bind(yaml: String) = trl(yaml).let { (f, n) -> RewardBinding.bind(f, n) }
    fun fails(yaml: String) = shouldThrow<ConfigException> { bind(yaml) }.message!!

    test("reward_funcs name top-level functions and vals of rewards.kts; weights apply; the runner calls them") {
        val rewards = bind("reward_funcs: [rewards.correct, rewards.short, rewards.ranked, rewards.boxed]\nreward_weights: [2.0, 0.5, 1, 1]")
        rewards.map { it.name() } shouldBe listOf("correct", "short", "ranked", "boxed")
        rewards.map { it.weight() } shouldBe listOf(2.0, 0.5, 1.0, 1.0)
        val samples = listOf("7", "x", "\\boxed{7}").mapIndexed { i, c ->
            dev.lathe.engine.reward.Sample(i, 0, i, "p", c, intArrayOf(1), IntArray(i + 1), mapOf("answer" to 7), false)
        }
        CheckedRewardRunner(rewards, RewardOptions.defaults().withWorkers(2)).use { r ->
            val t = r.score(samples, 3)
            // correct: "7" == "7"; short: -(ids); ranked: how many completions are shorter; boxed: answer_match
            t.values().map { it.toList() } shouldBe listOf(
                listOf(1.0, -1.0, 0.0, 1.0), listOf(0.0, -2.0, 0.0, 0.0), listOf(0.0, -3.0, 2.0, 1.0))
        }
    }

    test("an exception in a rewards.kts function reaches the runner as the user's exception (unscorable, counted)") {
        val log = mutableListOf<String>()
        CheckedRewardRunner(bind("reward_funcs: rewards.explode"), RewardOptions.defaults().withLog { log.add(it) }).use { r ->
            val t = r.score(round(1, 2), 2)
            t.failures()[0] shouldBe 2
            log.single() shouldContain "reward function 'explode' threw java.lang.IllegalStateException: no verifier for c0 on sample 0"
        }
    }

    test("an unknown function names the file, the function, the expected forms and what the file declares") {
        val msg = fails("reward_funcs: [rewards.corect]")
        msg shouldContain "grpo.yml:3: trl.reward_funcs[0] `rewards.corect`: rewards.kts: no top-level function `corect`"
        msg shouldContain "(Sample) -> Double?"
        msg shouldContain "correct(Sample) -> Double?"
        msg shouldContain "ranked(List<Sample>) -> List<Double?>"
        msg shouldContain "val boxed: Reward"
    }

    test("a wrong signature is an error with the expected and the found signature") {
        fails("reward_funcs: [rewards.wrongType]") shouldContain "rewards.kts: `wrongType` has the wrong signature: expected `(Sample) -> Double?`"
        fails("reward_funcs: [rewards.wrongType]") shouldContain "found (Sample) -> Int"
        fails("reward_funcs: [rewards.twoArgs]") shouldContain "found (Sample, Int) -> Double"
        fails("reward_funcs: [rewards.to_prompt]") shouldContain "found (Map<String, Any?>) -> Map<String, Any?>"
    }

    test("weights must match the functions; names must be FILE.FUNCTION of an existing file; compile errors name the line") {
        fails("reward_funcs: [rewards.correct, rewards.short]\nreward_weights: [1.0]") shouldContain
            "trl.reward_weights` has 1 weight but reward_funcs names 2 functions"
        fails("reward_funcs: [rewards.correct, rewards.correct]") shouldContain "`correct` is named twice"
        fails("reward_funcs: [my_module.reward]") shouldContain "no file my_module.kts beside grpo.yml"
        fails("reward_funcs: [correct]") shouldContain "name a reward function as FILE.FUNCTION"
        fails("beta: 0.1") shouldContain "GRPO needs at least one reward function"
        fails("reward_funcs: [broken.f]") shouldContain Regex("broken.kts:2:\\d+: error: .*String")
    }

    test("datasets[].type: rewards.to_prompt transforms each row, merged over its columns") {
        File(dir, "rows.jsonl").writeText("""{"question": "2+5?", "answer": "2+5=7\n#### 7"}""" + "\n")
        val yml = File(dir, "data.yml").toPath()
        val doc = YamlDoc.parse(yml, "rl: grpo\ndatasets:\n  - path: rows.jsonl\n    type: rewards.to_prompt\n")
        val cfg = DataBinding.bind(ConfigNode(doc, "", doc.root), dir.toPath()).config
        val rows = DatasetPipeline.prepare(cfg, null, null, DataWarnings { }).train()
        rows.single().columns() shouldBe mapOf("question" to "2+5?", "answer" to "7",
            "prompt" to listOf(mapOf("role" to "user", "content" to "2+5?")))
        val bad = YamlDoc.parse(yml, "rl: grpo\ndatasets:\n  - path: rows.jsonl\n    type: rewards.short\n")
        shouldThrow<ConfigException> { DataBinding.bind(ConfigNode(bad, "", bad.root), dir.toPath()) }.message shouldContain
            "data.yml:4: type `rewards.short`: rewards.kts: `short` has the wrong signature: expected `(Map<String, Any?>) -> Map<String, Any?>`"
    }
})
