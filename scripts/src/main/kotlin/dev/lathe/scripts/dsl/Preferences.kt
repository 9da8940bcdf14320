package dev.lathe.scripts.dsl

import dev.lathe.engine.data.EncodedExample
import dev.lathe.engine.data.PairBatch
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.tensor.Grad
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.train.methods.Scored
import dev.lathe.engine.train.methods.SeqTensors

/**
 * How much a model prefers the chosen answers of held-out pairs by its own log-probs:
 * accuracy = share of pairs with log p(chosen) > log p(rejected); margin = mean of the difference (nats).
 */
data class PreferenceStats(val accuracy: Double, val margin: Double, val pairs: Int) {
    override fun toString() = "accuracy %.1f%%, mean log-prob margin %+.3f nats over %d pairs".format(100 * accuracy, margin, pairs)
}

fun preferenceStats(model: CausalLM, pairs: List<EncodedExample>, padId: Int, batch: Int = 32): PreferenceStats {
    require(pairs.isNotEmpty()) { "no pairs to evaluate" }
    var wins = 0
    var margin = 0.0
    val wasTraining = model.isTraining
    model.train(false)
    for (from in pairs.indices step batch) {
        val chunk = pairs.subList(from, minOf(pairs.size, from + batch))
        Scope.open().use {
            Grad.disabled().use {
                val sums = Scored.of(model, SeqTensors.of(PairBatch.of(chunk, padId))).sums().toDoubleArray()
                for (i in chunk.indices) {
                    val d = sums[i] - sums[chunk.size + i]
                    if (d > 0) wins++
                    margin += d
                }
            }
        }
    }
    model.train(wasTraining)
    return PreferenceStats(wins.toDouble() / pairs.size, margin / pairs.size, pairs.size)
}
