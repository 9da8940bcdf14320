package dev.lathe.tests.grpo

import dev.lathe.engine.train.MetricsLog
import dev.lathe.scripts.cli.GrpoRun
import dev.lathe.scripts.config.ConfigBinder
import dev.lathe.scripts.config.GrpoConfig
import dev.lathe.scripts.dsl.tinyModel
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path

/**
 * `trl.reward_isolation: process` from YAML: the worker processes rebuild rewards.kts's functions; a reward that
 * exits the JVM or hangs costs its sample (unscorable, counted) and a worker restart, never the trainer.
 */
class RewardIsolationYamlSpec : StringSpec({
    val repo = System.getenv("LATHE_REPO")?.let { Path.of(it) } ?: Path.of("..").toAbsolutePath().normalize()
    val work = Files.createTempDirectory("isolation-yaml")
    val model = tinyModel(work.resolve("tiny")) { hidden = 32; layers = 2; heads = 4; kvHeads = 2 }

    "a reward that calls exitProcess and one that hangs past reward_timeout are survived; the run trains on" {
        Files.writeString(work.resolve("iso.kts"), """
            // prompt 0's second completion ends the worker's JVM; prompt 1's third hangs (ignoring interrupts: only a kill ends it)
            fun flaky(s: Sample): Double? {
                if (s.group() == 0 && s.member() == 1) kotlin.system.exitProcess(7)
                if (s.group() == 1 && s.member() == 2) while (true) try { Thread.sleep(60_000) } catch (e: InterruptedException) { }
                return s.completionIds().size.toDouble() + if (ProcessHandle.current().pid() == ${ProcessHandle.current().pid()}L) 1000.0 else 0.0
            }
            fun to_prompt(row: Map<String, Any?>): Map<String, Any?> = row + mapOf("prompt" to "echo " + row["word"])
        """.trimIndent())
        val yaml = """
            base_model: $model
            rl: grpo
            datasets:
              - path: ${repo.resolve("recipes/data/echo_words.jsonl")}
                type: iso.to_prompt
            trl:
              reward_funcs: [iso.flaky]
              reward_isolation: process
              reward_num_workers: 2
              reward_timeout: 2
              num_generations: 4
              max_completion_length: 4
            micro_batch_size: 4
            gradient_accumulation_steps: 2
            max_steps: 1
            saves_per_epoch: 0
            output_dir: ${work.resolve("out")}
        """.trimIndent()
        val cfg = ConfigBinder.readAny(work.resolve("iso.yml").also { Files.writeString(it, yaml) }) as GrpoConfig
        val log = ByteArrayOutputStream()
        val result = GrpoRun.run(cfg, PrintStream(log))
        result.steps() shouldBe 1L
        val rows = MetricsLog.read(work.resolve("out/metrics.jsonl"))
        rows.map { (it["rewards/flaky/unscored"] as Number).toDouble() } shouldBe listOf(2.0) // the exit and the hang
        rows.map { (it["rewards/worker_restarts"] as Number).toDouble() } shouldBe listOf(2.0)
        (rows.single()["loss"] as Number).toDouble().isFinite() shouldBe true // and the round was trained
        // scored in the workers, never in this JVM (which would add 1000): a completion has at most 4 tokens
        rows.forEach { ((it["rewards/flaky/mean"] as Number).toDouble() <= 4.0) shouldBe true }
        val text = log.toString()
        text shouldContain "reward function 'flaky' ended its worker process (the worker process exited with status 7"
        text shouldContain "reward function 'flaky' timed out (timed out after 2000 ms; the worker process was killed)"
    }
})
