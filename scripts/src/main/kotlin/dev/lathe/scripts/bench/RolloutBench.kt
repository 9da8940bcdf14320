package dev.lathe.scripts.bench

import dev.lathe.engine.model.DecoderBuilder
import dev.lathe.engine.generate.Generator
import dev.lathe.engine.generate.Sampling
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.Inputs
import dev.lathe.engine.model.ModelInit
import dev.lathe.engine.model.Models
import dev.lathe.engine.model.RowKvCache
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Grad
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensors
import java.nio.file.Path

/**
 * The Lathe side of `lathe bench rollout`: prompts x samples completions of newTokens each from a
 * Llama of the given shape (random weights, also saved for the peer), through Generator.generate
 * (the DecodeEngine), sampling with temperature, top-k and top-p and no EOS so every row runs the
 * whole budget. Prompts are the same formula as the peer's.
 */
class RolloutBench(val layers: Int, val hidden: Int, val heads: Int, val kvHeads: Int, val ffn: Int, val vocab: Int,
                   val prompts: Int, val samples: Int, val promptLen: Int, val newTokens: Int,
                   val temperature: Double, val topK: Int, val topP: Double) : AutoCloseable {
    private val spec = DecoderBuilder.llama(vocab, hidden, ffn, layers, heads, kvHeads).maxPositions(maxOf(promptLen + newTokens, 512)).rmsEps(1e-5).build()
    val model = CausalLM(spec).also { ModelInit.randomize(it, 0, 0.02) }
    private val ids = List(prompts) { i -> IntArray(promptLen) { j -> ((i * 7919L + j * 104729L + 13) % vocab).toInt() } }

    /** Writes the weights as an HF folder (model.safetensors, F32) for the peer; returns the file. */
    fun saveWeights(dir: Path): Path {
        Models.save(model, dir)
        return dir.resolve("model.safetensors")
    }

    fun sampling(tokens: Int = newTokens) = Sampling.greedy(tokens, setOf()).withSamples(samples).withSampling(temperature, topK, topP, 0.0, 0)

    /** Seconds for one full generate (prefill + all decode steps), after a short warm-up on the first call. */
    fun run(): Double {
        val gen = Generator(model, null, 0)
        val t0 = System.nanoTime()
        val out = gen.generate(ids, sampling())
        val dt = (System.nanoTime() - t0) / 1e9
        check(out.size == prompts * samples && out.all { it.tokens().size == newTokens }) { "every row must run its whole budget" }
        return dt
    }

    fun warmUp() { Generator(model, null, 0).generate(ids, sampling(4)) }

    fun tokens() = prompts * samples * newTokens

    /** Bytes of the weights a decode step reads (everything but the embedding table, which it only gathers from). */
    fun streamedBytes(): Long {
        val embed = vocab.toLong() * hidden
        return (model.parameters().sumOf { it.numel() } - embed) * 4
    }

    /** Tensor-producing native calls (each op result is one call) of one whole decode forward over every row. */
    fun nativeCallsPerForward(): Int = Grad.noGrad {
        val rows = prompts * samples
        RowKvCache.allocate(spec, rows.toLong(), (promptLen + newTokens).toLong(), DType.F32).use { cache ->
            Scope.open().use {
                cache.prepare(LongArray(rows), LongArray(rows) { promptLen.toLong() })
                val ids = Tensors.zeros(longArrayOf(rows.toLong(), 1), DType.I64)
                val before = Tensors.createdCount()
                model.lastLogits(Inputs(ids, null, null, null, cache))
                (Tensors.createdCount() - before).toInt()
            }
        }
    }

    /**
     * What row compaction costs against what it saves: milliseconds (best of 3) to move a quarter of
     * the rows into freed cache rows (RowKvCache.moveRows over every used slot) and of one decode
     * forward over all rows and over the remaining three quarters, at a full prompt + budget length.
     */
    fun compaction(): Triple<Double, Double, Double> = Grad.noGrad {
        val rows = prompts * samples
        val cap = (promptLen + newTokens).toLong()
        RowKvCache.allocate(spec, rows.toLong(), cap, DType.F32).use { cache ->
            fun best(body: () -> Unit) = (0 until 3).minOf {
                Scope.open().use { val t0 = System.nanoTime(); body(); (System.nanoTime() - t0) / 1e6 }
            }
            fun step(n: Int) = best {
                cache.prepare(LongArray(n), LongArray(n) { cap - 2 })
                model.lastLogits(Inputs(Tensors.zeros(longArrayOf(n.toLong(), 1), DType.I64), null, null, null, cache))
            }
            val q = rows / 4
            val move = best { cache.moveRows(LongArray(q) { rows - 1L - it }, LongArray(q) { it.toLong() }, cap - 1) }
            Triple(move, step(rows), step(rows - q))
        }
    }

    override fun close() = model.close()

    companion object {
        /** Memory bandwidth (GB/s) by best-of-3 copies of a 256 MB float tensor (bytes read + written). */
        fun copyBandwidth(): Double = Grad.noGrad {
            Scope.open().use {
                val n = 64L * 1024 * 1024
                val a = Tensors.randn(n)
                val b = Tensors.zeros(n)
                b.copy_(a)
                (0 until 3).minOf {
                    val t0 = System.nanoTime()
                    b.copy_(a)
                    (System.nanoTime() - t0) / 1e9
                }.let { 2.0 * n * 4 / it / 1e9 }
            }
        }
    }
}
