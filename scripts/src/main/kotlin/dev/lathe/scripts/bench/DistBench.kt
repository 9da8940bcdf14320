package dev.lathe.scripts.bench

import dev.lathe.engine.dist.LocalRanks
import dev.lathe.scripts.cli.LocalLaunch
import dev.lathe.scripts.dsl.tinyModel
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/**
 * `lathe bench dist`: the same DPO run (full fine-tuning, frozen-copy reference, the same global batch)
 * as N processes x T/N threads (`lathe train --num-processes N`) and as 1 process x T threads with N x
 * the accumulation. Each side is a fresh `lathe train` child; its speed comes from rank 0's phase
 * timer (loop time without the final save), so JVM start and data loading are left out of both.
 */
class DistBench(val work: Path, val repo: Path, val hidden: Int, val layers: Int, val microBatch: Int, val steps: Int,
                val ranks: Int, val threads: Int) {
    class Side(val stepsPerSecond: Double, val allReducePerStep: Double, val phases: Map<String, Double>)

    private val model: Path by lazy {
        tinyModel(work.resolve("model")) { this.hidden = this@DistBench.hidden; this.layers = this@DistBench.layers; heads = 4; kvHeads = 2 }
    }

    /** Model parameters (what every update all-reduces), read from the written folder's size. */
    fun parameterBytes(): Long = Files.size(model.resolve("model.safetensors"))

    private fun config(tag: String, accumulation: Int): Path {
        val text = """
            base_model: $model
            rl: dpo
            rl_beta: 0.1
            rl_adapter_ref_model: true
            datasets:
              - path: ${repo.resolve("recipes/data/echo_pairs.jsonl")}
                type: chatml.intel
            sequence_len: 64
            micro_batch_size: $microBatch
            gradient_accumulation_steps: $accumulation
            max_steps: $steps
            learning_rate: 1e-4
            logging_steps: 1
            output_dir: ${work.resolve("out-$tag")}
        """.trimIndent()
        return work.resolve("$tag.yml").also { Files.writeString(it, text + "\n") }
    }

    fun multi(): Side = side(config("multi", 1), listOf("--num-processes", ranks.toString()), threads / ranks)
    fun single(): Side = side(config("single", ranks), emptyList(), threads)

    private fun side(cfg: Path, extra: List<String>, perRankThreads: Int): Side {
        val log = Files.createTempFile(work, "side", ".log")
        val pb = ProcessBuilder(LocalRanks.javaCommand(LocalLaunch.MAIN, listOf("train", cfg.toString()) + extra))
        pb.environment()["LATHE_THREADS"] = perRankThreads.toString()
        val p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start()
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly()
            error("bench run failed (${cfg.fileName}); its log: $log\n" + Files.readAllLines(log).takeLast(15).joinToString("\n"))
        }
        val line = Files.readAllLines(log).last { it.startsWith("time per phase: ") }
        val phases = parsePhases(line.removePrefix("time per phase: "))
        val loop = phases.filterKeys { it !in setOf("save", "checkpoint", "eval") }.values.sum()
        return Side(steps / loop, (phases["all-reduce"] ?: 0.0) / steps, phases)
    }

    /** Median ms of one 2-rank all-reduce of `numel` floats: Lathe (in `pieces` tensors) and torch.distributed's Gloo. */
    fun allReduceMs(numel: Long, iters: Int, pieces: Int, lathe: Boolean): Double {
        val port = LocalRanks.freePort()
        val peer = repo.resolve("bench/dist_peer.py").toFile()
        val procs = (0 until 2).map { r ->
            val cmd = if (lathe) LocalRanks.javaCommand(AllReduceWorker::class.java.name, listOf("$numel", "$iters", "$pieces"))
            else PythonPeer.command("/usr/bin/python3", peer, listOf("--rank", "$r", "--port", "$port", "--numel", "$numel", "--iters", "$iters"))
            ProcessBuilder(cmd).apply { environment().putAll(LocalRanks.environment(port, r, 2, 1)); redirectErrorStream(true) }.start()
        }
        val out = procs.map { p -> p.inputStream.bufferedReader().readText().also { p.waitFor() } }
        procs.forEach { if (it.exitValue() != 0) error("all-reduce run failed:\n" + out.joinToString("\n")) }
        val line = out[0].lines().lastOrNull { it.startsWith("{") && it.contains("median_ms") }
            ?: error("the all-reduce run printed no result:\n" + out.joinToString("\n"))
        return Regex("\"median_ms\": ?([0-9.eE+-]+)").find(line)!!.groupValues[1].toDouble()
    }

    companion object {
        /** "data 0.40s (3%) | policy 9.10s (70%) | ..." -> {data=0.40, policy=9.10, ...} */
        fun parsePhases(s: String): Map<String, Double> = s.split(" | ").associate { part ->
            val m = Regex("^(.+) ([0-9.]+)s \\(").find(part.trim()) ?: error("cannot read phase '$part'")
            m.groupValues[1] to m.groupValues[2].toDouble()
        }
    }
}
