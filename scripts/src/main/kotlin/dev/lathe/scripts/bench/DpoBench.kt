package dev.lathe.scripts.bench

import dev.lathe.engine.model.DecoderBuilder
import dev.lathe.engine.align.Losses
import dev.lathe.engine.data.EncodedExample
import dev.lathe.engine.data.Method
import dev.lathe.engine.data.PairBatch
import dev.lathe.engine.data.PairLayout
import dev.lathe.engine.data.PreparedRow
import dev.lathe.engine.data.TextExample
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.ModelInit
import dev.lathe.engine.tensor.Autocast
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.train.AdamW
import dev.lathe.engine.train.NamedParams
import dev.lathe.engine.train.PhaseTimer
import dev.lathe.engine.train.methods.PairRows
import dev.lathe.engine.train.methods.PairStep
import dev.lathe.engine.train.methods.Reference
import java.nio.file.Files
import java.nio.file.Path
import java.util.SplittableRandom

/**
 * The Lathe side of `lathe bench dpo`: one full DPO step (policy forward/backward without LoRA, a
 * frozen reference copy's forward, sigmoid loss, AdamW) on a Llama of the given shape, the exact
 * path `lathe train` runs (PairStep: one concatenated forward, chunked label log-probs).
 */
class DpoBench(val layers: Int, val hidden: Int, val heads: Int, val kvHeads: Int, val ffn: Int, val vocab: Int,
               val pairs: Int, val seq: Int, val prompt: Int, val layout: PairLayout = PairLayout.PADDED) {
    private val spec = DecoderBuilder.llama(vocab, hidden, ffn, layers, heads, kvHeads).maxPositions(maxOf(seq, 512)).rmsEps(1e-5).build()

    class Result(val stepSeconds: Double, val phases: Map<String, Double>, val tokens: Int, val cost: ProcStat)

    /** Matmul FLOPs of one step by the usual count: policy 3 x forward (forward + backward), reference 1 x forward. */
    fun flops(): Double {
        val hd = hidden / heads
        val perToken = 2.0 * (layers * (hidden.toDouble() * heads * hd * 2 + 2.0 * hidden * kvHeads * hd + 3.0 * hidden * ffn) + vocab.toDouble() * hidden)
        val rows = 2 * pairs
        val attention = rows * layers * 4.0 * seq * seq * heads * hd
        val forward = perToken * rows * seq + attention
        return 4 * forward
    }

    fun run(steps: Int, bf16: Boolean): Result {
        CausalLM(spec).use { policy ->
            ModelInit.randomize(policy, 0, 0.02)
            val copy = CausalLM(spec)
            Scope.open().use { policy.stateDict().forEach { (k, v) -> copy.load(k, v) } }
            AdamW(NamedParams.trainable(policy), AdamW.Settings(0.9, 0.999, 1e-8, 0.0)).use { opt ->
                Reference.frozen(copy).use { ref ->
                    val step = PairStep(policy, Losses.dpo().beta(0.1).build(), ref)
                    val xs = examples()
                    val rows = PairRows(IntArray(pairs) { it }, PairBatch.of(xs, 0), layout.pack(xs))
                    one(step, rows, opt, bf16) // warm-up
                    val runs = (0 until steps).map { one(step, rows, opt, bf16) }.sortedBy { it.stepSeconds }
                    return runs[runs.size / 2]
                }
            }
        }
    }

    private fun one(step: PairStep, rows: PairRows, opt: AdamW, bf16: Boolean): Result {
        val timer = PhaseTimer()
        val before = ProcStat.now()
        val t0 = System.nanoTime()
        Scope.open().use {
            val out = timer.phase("policy").use { Autocast.of(bf16).use { step.compute(rows, timer) } }
            timer.phase("policy").use { out.loss().backward() }
        }
        timer.phase("optimizer").use {
            opt.step(1e-5)
            opt.zeroGrad()
        }
        timer.stop()
        return Result((System.nanoTime() - t0) / 1e9, timer.secondsByPhase(), 2 * pairs * seq, ProcStat.now() - before)
    }

    /** Random token ids: each pair shares a prompt; chosen and rejected completions differ. */
    private fun examples(): List<EncodedExample> {
        val r = SplittableRandom(0)
        fun ids(n: Int) = IntArray(n) { r.nextInt(vocab) }
        return List(pairs) { i ->
            EncodedExample(PreparedRow(emptyMap(), "bench:$i", TextExample.pair(Method.DPO, "", "", "")), ids(prompt),
                arrayOf(ids(seq - prompt), ids(seq - prompt)))
        }
    }

    companion object {
        /** Peak resident set of this process (VmHWM), MB. */
        fun peakRssMb(): Double = Files.readAllLines(Path.of("/proc/self/status"))
            .first { it.startsWith("VmHWM:") }.split(Regex("\\s+"))[1].toDouble() / 1024
    }
}
