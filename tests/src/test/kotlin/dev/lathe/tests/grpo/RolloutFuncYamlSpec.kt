package dev.lathe.tests.grpo

import dev.lathe.engine.train.MetricsLog
import dev.lathe.scripts.cli.GrpoRun
import dev.lathe.scripts.config.ConfigBinder
import dev.lathe.scripts.config.ConfigException
import dev.lathe.scripts.config.GrpoConfig
import dev.lathe.scripts.dsl.tinyModel
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path

/**
 * `trl.rollout_func: FILE.FUNCTION` from YAML (grpo-spec §15): resolved from a .kts beside the config by the
 * rewards.kts loader, both of TRL's and Axolotl's forms, environment tokens never trained on, errors that name
 * the file, the function and what exists.
 */
class RolloutFuncYamlSpec : StringSpec({
    val repo = System.getenv("LATHE_REPO")?.let { Path.of(it) } ?: Path.of("..").toAbsolutePath().normalize()
    val work = Files.createTempDirectory("rollout-yaml")
    val model = tinyModel(work.resolve("tiny")) { hidden = 32; layers = 2; heads = 4; kvHeads = 2 }
    // one file: rollout functions, the reward reading their extra field, the prompt transform (one compilation)
    Files.writeString(work.resolve("rf.kts"), """
        /** The model's turn, then an environment reply `env` marked (envMask) as given; `first` (extra) varies within a group. */
        fun turn(prompts: List<GrpoPrompt>, ctx: RolloutFunction.Context, env: IntArray, mask: Int): List<Rollout> =
            ctx.generate(prompts.map { it.ids() }, ctx.sampling().withSamples(1)).map { c ->
                Rollout(null, c.tokens() + env, c.logprobs() + FloatArray(env.size), IntArray(c.tokens().size) { 1 } + IntArray(env.size) { mask },
                    mapOf("first" to c.tokens()[0].toDouble()), null)
            }
        fun env2(prompts: List<GrpoPrompt>, ctx: RolloutFunction.Context): List<Rollout> = turn(prompts, ctx, intArrayOf(7, 8), 0)
        fun env3(prompts: List<GrpoPrompt>, ctx: RolloutFunction.Context): List<Rollout> = turn(prompts, ctx, intArrayOf(9, 10, 11), 0)
        fun env3trained(prompts: List<GrpoPrompt>, ctx: RolloutFunction.Context): List<Rollout> = turn(prompts, ctx, intArrayOf(9, 10, 11), 1)
        fun texts(prompts: List<GrpoPrompt>): List<String> = prompts.mapIndexed { i, p -> p.row()["word"].toString().take(1 + i % 2) }
        val asVal: RolloutFunction = RolloutFunction.ofTexts { ps -> ps.map { "a" } }
        fun bad(prompts: List<GrpoPrompt>): Int = 1
        fun first(s: Sample): Double? = s.row()["first"] as Double?
        fun chars(s: Sample): Double = s.completion().length.toDouble()
        fun to_prompt(row: Map<String, Any?>): Map<String, Any?> = row + mapOf("prompt" to "echo " + row["word"])
    """.trimIndent())

    fun config(name: String, rollout: String?, reward: String = "rf.first", trlExtra: String = ""): GrpoConfig {
        val yaml = """
            base_model: $model
            rl: grpo
            datasets:
              - path: ${repo.resolve("recipes/data/echo_words.jsonl")}
                type: rf.to_prompt
            trl:
              ${if (rollout != null) "rollout_func: $rollout" else ""}
              reward_funcs: [$reward]
              num_generations: 4
              max_completion_length: 4
              beta: 0.04
              log_completions: true
              $trlExtra
            adapter: lora
            lora_r: 4
            lora_alpha: 8
            lora_target_linear: true
            micro_batch_size: 4
            gradient_accumulation_steps: 2
            learning_rate: 0.01
            max_steps: 3
            saves_per_epoch: 0
            output_dir: ${work.resolve("out-$name")}
        """.trimIndent()
        return ConfigBinder.readAny(work.resolve("$name.yml").also { Files.writeString(it, yaml) }) as GrpoConfig
    }

    fun run(name: String, rollout: String?, reward: String = "rf.first"): List<Map<String, Any>> {
        GrpoRun.run(config(name, rollout, reward), PrintStream(ByteArrayOutputStream()))
        return MetricsLog.read(work.resolve("out-$name/metrics.jsonl"))
    }
    fun losses(rows: List<Map<String, Any>>) = rows.map { (it["loss"] as Number).toDouble() }
    fun gradNorms(rows: List<Map<String, Any>>) = rows.map { (it["grad_norm"] as Number).toDouble() }

    "a rollouts.kts function appending environment tokens (env mask 0) trains only on generated tokens" {
        val two = run("env2", "rf.env2")
        val three = run("env3", "rf.env3")
        val trained = run("env3trained", "rf.env3trained")
        losses(two).size shouldBe 3
        (two.maxOf { (it["reward_std"] as Number).toDouble() } > 0) shouldBe true // a learning signal: the check can fail
        // the replies differ in length and ids, yet every update's loss (and so its gradient, and the next rounds) is the same
        losses(three).zip(losses(two)).forEach { (a, b) -> a shouldBe (b plusOrMinus 1e-6) }
        gradNorms(three).zip(gradNorms(two)).forEach { (a, b) -> a shouldBe (b plusOrMinus 1e-6 * maxOf(1.0, b)) }
        (gradNorms(two).first() > 0) shouldBe true
        // ... and they are part of the completion (one token longer on average), which the rewards saw
        three.zip(two).forEach { (a, b) -> (a["completions/mean_length"] as Number).toDouble() shouldBe ((b["completions/mean_length"] as Number).toDouble() + 1.0 plusOrMinus 1e-9) }
        // the same tokens marked as generated are trained on: the gradient moves (the control that makes the check meaningful)
        gradNorms(trained).first() shouldNotBe (gradNorms(three).first() plusOrMinus 1e-4 * gradNorms(three).first())
    }

    "Axolotl's form (completion strings) from YAML: the texts are tokenised and scored" {
        val rows = run("texts", "rf.texts", reward = "rf.chars")
        // texts are 1, 2, 1, 2, ... characters of the word (every word has >= 3): mean 1.5 characters whatever the words are
        rows.forEach { (it["rewards/chars/mean"] as Number).toDouble() shouldBe (1.5 plusOrMinus 1e-9) }
        val lines = Files.readAllLines(work.resolve("out-texts/completions.jsonl"))
        lines.size shouldBe 3 * 8
        lines.first() shouldContain "\"completion\""
        config("val", "rf.asVal").rolloutFunction!!() shouldNotBe null // a val holding a RolloutFunction is taken as is
    }

    "errors name the config line, the file, the function, what was expected and what exists" {
        shouldThrow<ConfigException> { config("missing", "rf.nope").rolloutFunction!!() }.message!!.let {
            it shouldContain "missing.yml:"
            it shouldContain "rollout_func `rf.nope`: rf.kts: no top-level function `nope`"
            it shouldContain "(List<GrpoPrompt>, RolloutFunction.Context) -> List<Rollout>"
            it shouldContain "env2(List<GrpoPrompt>, Context) -> List<Rollout>" // what is declared there
        }
        shouldThrow<ConfigException> { config("bad", "rf.bad").rolloutFunction!!() }.message!! shouldContain
            "rf.kts: `bad` has the wrong signature: expected `(List<GrpoPrompt>, RolloutFunction.Context) -> List<Rollout>`"
        shouldThrow<ConfigException> { config("nofile", "tools.fn").rolloutFunction!!() }.message!! shouldContain
            "no file tools.kts beside nofile.yml"
        shouldThrow<ConfigException> { config("list", "[rf.env2]") }.message!! shouldContain "rollout_func"
        (config("async", "rf.env2", trlExtra = "async_prefetch: true").rolloutFunction != null) shouldBe true // async rounds take it (AsyncCombosSpec)
    }
})
