package dev.lathe.scripts.bench

import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.Inputs
import dev.lathe.engine.model.LogProbs
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensors

/** Peak RSS of one training step (forward, chunked label log-probs, backward) with or without gradient checkpointing. */
object CheckpointBench {
    /** Peak RSS increase (MB) over the RSS just before the step, and the step's wall seconds. */
    fun stepPeakMb(m: CausalLM, vocab: Int, batch: Int, seq: Int, chunk: Int, checkpointing: Boolean): Pair<Double, Double> =
        Scope.open().use {
            m.setGradientCheckpointing(checkpointing)
            val ids = Tensors.randint(0, vocab.toLong(), batch.toLong(), seq.toLong())
            ModelBench.resetHwm()
            val base = ModelBench.rssMb()
            val t0 = System.nanoTime()
            val h = m.hidden(Inputs.of(ids.narrow(1, 0, seq - 1L)))
            LogProbs.ofLabels(h, m.lmHeadWeight(), ids.narrow(1, 1, seq - 1L), null, chunk).logps().sum().backward()
            m.backwardCheckpointed()
            val secs = (System.nanoTime() - t0) / 1e9
            m.zeroGrad()
            (ModelBench.hwmMb() - base) to secs
        }
}
