package dev.lathe.scripts.bench

import dev.lathe.engine.model.DecoderBuilder
import dev.lathe.engine.generate.Generator
import dev.lathe.engine.generate.Sampling
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.Inputs
import dev.lathe.engine.model.LogProbs
import dev.lathe.engine.model.ModelInit
import dev.lathe.engine.tensor.Grad
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensors
import java.nio.file.Files
import java.nio.file.Path

/** The measurements behind `lathe bench model` (the Lathe side; bench/model_peer.py is the peer). */
class ModelBench(val layers: Int, val hidden: Int, val heads: Int, val kvHeads: Int, val ffn: Int, val vocab: Int) {
    val spec = DecoderBuilder.llama(vocab, hidden, ffn, layers, heads, kvHeads).maxPositions(4096).rmsEps(1e-5).build()

    fun model(): CausalLM = CausalLM(spec).also { ModelInit.randomize(it, 0, 0.02) }

    private fun medianSeconds(iters: Int, body: () -> Unit): Double {
        body() // warm-up
        val times = (0 until iters).map {
            val t = System.nanoTime()
            body()
            (System.nanoTime() - t) / 1e9
        }
        return times.sorted()[times.size / 2]
    }

    /** No-grad forward to logits, tokens/s. */
    fun forward(m: CausalLM, batch: Int, seq: Int, iters: Int): Double {
        val s = medianSeconds(iters) {
            Scope.open().use { Grad.disabled().use { m.logits(Inputs.of(Tensors.randint(0, vocab.toLong(), batch.toLong(), seq.toLong()))).sum().item() } }
        }
        return batch * seq / s
    }

    /** Forward to hidden states, chunked label log-probs, backward; tokens/s. */
    fun trainStep(m: CausalLM, batch: Int, seq: Int, iters: Int, chunk: Int): Double {
        val s = medianSeconds(iters) {
            Scope.open().use {
                val ids = Tensors.randint(0, vocab.toLong(), batch.toLong(), seq.toLong())
                val h = m.hidden(Inputs.of(ids.narrow(1, 0, seq - 1L)))
                LogProbs.ofLabels(h, m.lmHeadWeight(), ids.narrow(1, 1, seq - 1L), null, chunk).logps().sum().backward()
                m.zeroGrad()
            }
        }
        return batch * seq / s
    }

    /** Generated tokens/s over batch rows, greedy, with or without the KV cache. */
    fun generate(m: CausalLM, batch: Int, prompt: Int, newTokens: Int, cache: Boolean): Double {
        val prompts = (0 until batch).map { r -> IntArray(prompt) { (it * 31 + r * 7) % vocab } }
        val gen = Generator(m, null, 0)
        val s = medianSeconds(1) { gen.generate(prompts, Sampling.greedy(newTokens, setOf()).withCache(cache)) }
        return batch * newTokens / s
    }

    /** Peak RSS increase (MB) of one label-log-prob forward+backward on fixed hidden states [b, s, h]. */
    fun logProbPeakMb(batch: Int, seq: Int, chunk: Int?): Double = Scope.open().use {
        val w = Tensors.randn(vocab.toLong(), hidden.toLong()).mul(0.02).requiresGrad_(true)
        val h = Tensors.randn(batch.toLong(), seq.toLong(), hidden.toLong()).requiresGrad_(true)
        val labels = Tensors.randint(0, vocab.toLong(), batch.toLong(), seq.toLong())
        resetHwm()
        val base = rssMb()
        val lp = if (chunk == null) LogProbs.full(h, w, labels, null) else LogProbs.ofLabels(h, w, labels, null, chunk).logps()
        lp.sum().backward()
        hwmMb() - base
    }

    companion object {
        private fun status(key: String): Double = Files.readAllLines(Path.of("/proc/self/status"))
            .first { it.startsWith("$key:") }.split(Regex("\\s+"))[1].toDouble() / 1024

        fun rssMb() = status("VmRSS")
        fun hwmMb() = status("VmHWM")

        /** Resets VmHWM to the current RSS (Linux: write 5 to /proc/self/clear_refs). */
        fun resetHwm() = runCatching { Files.writeString(Path.of("/proc/self/clear_refs"), "5") }.isSuccess
    }
}
